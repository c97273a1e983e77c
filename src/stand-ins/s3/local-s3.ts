import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidInputError, SlipwayError } from '../../domain/errors.ts';
import type { Logger } from '../../ports/logger.ts';
import { startFrontServer, type FrontServer } from './front-server.ts';
import { createSigV4Verifier } from './sigv4-verifier.ts';

export interface LocalS3Options {
  /** Where s3rver keeps buckets and objects. */
  dataDir: string;
  /** Loopback only. */
  host: '127.0.0.1';
  /** Public port; 0 (the default) picks a free one. */
  port?: number;
  bucket: string;
  /** The only credentials the front accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  /** The front's clock for expiry and skew checks; tests move it forward. */
  now?: () => Date;
  /**
   * The unix socket s3rver listens on: never a TCP port, so nothing (no web page, no other user) reaches it
   * but through the front. Default: a private folder of its own in the temp directory, removed at stop.
   */
  socketPath?: string;
  /** Where the front spools bodies while it checks them (default: the system's temp folder). */
  spoolDir?: string;
  /** Where failures of onObjectCreated listeners are reported (default: console.error). */
  logger?: Pick<Logger, 'error'>;
}

/** Like S3's "Object Created" notification: one per stored object (put, POST, copy, completed multipart upload). */
export interface ObjectCreatedEvent {
  bucket: string;
  key: string;
  size: number;
  /** MD5 of the body in hex, without quotes (as in S3 event notifications). */
  etag: string;
  time: string;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: use with forcePathStyle. */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
  /** Whether s3rver answers on its socket now (a ListBuckets through the socket, not through the front). */
  health(): Promise<{ ok: boolean }>;
  /** Calls `listener` once per object stored; returns a function that stops the calls. A listener's failure (or rejection) is logged, never sent to the uploader. */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
}

export type ObjectCreatedListener = (event: ObjectCreatedEvent) => unknown;

interface S3rverRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3rverRecord[] }) => void): unknown;
  httpServer?: Server;
  /** Koa's middleware list (s3rver is a Koa app), composed when it starts listening. */
  middleware: ((...args: never[]) => unknown)[];
}

type S3rverConstructor = new (options: {
  address: string;
  /** A path: Node's listen() takes a unix socket's path where a port goes. */
  port: number | string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `startLocalS3({ dataDir: '.slipway/s3', host: '127.0.0.1', port: 4569, bucket: 'slipway-contexts', credentials, region: 'us-east-1' })`
 * starts s3rver on a unix socket (no TCP port: a web page cannot reach it) behind a front that verifies SigV4 (presigned URLs and
 * Authorization headers), expiry and clock skew, and the signed policy of presigned POSTs (key, content
 * type, metadata, size), as S3 does and s3rver does not.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  validate(options);
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? {
    error: (message: string, fields?: Record<string, unknown>) => console.error(message, fields),
  };
  const listeners = new Set<ObjectCreatedListener>();

  await mkdir(options.dataDir, { recursive: true });
  const privateDir = options.socketPath ? undefined : await mkdtemp(join(tmpdir(), 'slipway-s3-'));
  const socketPath = options.socketPath ?? join(privateDir!, 's3.sock');
  // A socket file left by a stack that was killed would make listen() fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: socketPath,
    directory: options.dataDir,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
  });
  // s3rver logs every request with koa-logger even when silent: each line is formatted for a muted transport, and
  // each object it serves is piped through a byte counter for that line. A few milliseconds of CPU per request, for
  // nothing (this front logs what matters): taken out before it starts listening. Its error logger is another part.
  s3rver.middleware = s3rver.middleware.filter((middleware) => middleware.name !== 'logger');
  // s3rver emits this synchronously once the object is stored, before it answers the request.
  s3rver.on('event', (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const created: ObjectCreatedEvent = {
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: record.s3.object.size ?? 0,
        etag: record.s3.object.eTag ?? '',
        time: now().toISOString(),
      };
      const report = (error: unknown) =>
        logger.error('object-created listener failed', { bucket: created.bucket, key: created.key, error });
      for (const listener of listeners) {
        try {
          // A throw here would turn s3rver's answer into a 500 although the object is stored.
          Promise.resolve(listener(created)).catch(report);
        } catch (error) {
          report(error);
        }
      }
    }
  });
  await s3rver.run();
  // Only this user's processes may connect (the front, and the stack's own adapters through it).
  await chmod(socketPath, 0o600);
  const removeSocket = async () => {
    await rm(privateDir ?? socketPath, { recursive: true, force: true });
  };

  let front: FrontServer;
  try {
    front = await startFrontServer({
      host: options.host,
      port: options.port ?? 0,
      upstream: { socketPath },
      ...(options.spoolDir && { spoolDir: options.spoolDir }),
      verify: createSigV4Verifier({ credentials: options.credentials, region: options.region, now }),
      postPolicy: { credentials: options.credentials, region: options.region, now },
    });
  } catch (error) {
    await closeS3rver(s3rver);
    await removeSocket();
    const code = (error as { code?: string }).code ?? String(error);
    throw new SlipwayError(
      `The local S3 could not listen on ${options.host}:${options.port ?? 0} (${code}). Stop whatever holds that port, or run slipway local up again to choose another.`,
      { cause: error },
    );
  }

  return {
    endpoint: `http://${options.host}:${front.port}`,
    bucket: options.bucket,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    health: () =>
      new Promise((resolve) => {
        const probe = httpRequest({ socketPath, path: '/', method: 'GET', timeout: 2000 }, (response) => {
          response.resume();
          resolve({ ok: response.statusCode === 200 });
        });
        probe.on('timeout', () => probe.destroy(new Error('timeout')));
        probe.on('error', () => resolve({ ok: false }));
        probe.end();
      }),
    async stop() {
      listeners.clear();
      await front.close();
      await closeS3rver(s3rver);
      await removeSocket();
    },
  };
}

async function closeS3rver(s3rver: S3rverInstance): Promise<void> {
  const closed = s3rver.close();
  s3rver.httpServer?.closeAllConnections();
  await closed;
}

function validate(options: LocalS3Options): void {
  const issues: string[] = [];
  if (options.host !== '127.0.0.1')
    issues.push(`host must be "127.0.0.1" (the local stack listens on loopback only), got "${String(options.host)}"`);
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    issues.push(`port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  if (!BUCKET_NAME.test(options.bucket))
    issues.push(
      `bucket "${options.bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`,
    );
  if (!options.credentials?.accessKeyId || !options.credentials.secretAccessKey)
    issues.push('credentials need an accessKeyId and a secretAccessKey');
  if (!options.region) issues.push('region is required (for example "us-east-1")');
  if (!options.dataDir) issues.push('dataDir is required');
  if (issues.length) throw new InvalidInputError(`Cannot start the local S3: ${issues.join('; ')}.`, issues);
}
