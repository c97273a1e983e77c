import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { handleBrowserPost, IN_MEMORY_BYTES } from './browser-post.ts';
import { KeyedLock, preconditionFailure, putCondition, withoutConditions } from './conditional-put.ts';
import type { PostPolicyOptions } from './post-policy.ts';
import { sendError } from './s3-errors.ts';
import type { IncomingSignedRequest, Verdict } from './sigv4-verifier.ts';
import { withoutHopByHop } from '../proxy-headers.ts';
import { relay } from '../../adapters/local/relay.ts';

export interface FrontServerOptions {
  host: string;
  port: number;
  /** Where verified requests go: s3rver's unix socket. */
  upstream: { socketPath: string };
  verify: (request: IncomingSignedRequest) => Promise<Verdict>;
  /** What browser-based uploads (POST to the bucket with a signed policy) are checked against. */
  postPolicy: PostPolicyOptions;
  /** Where a POSTed file waits while it is checked (default: the system's temp folder). */
  spoolDir?: string;
}

export interface FrontServer {
  port: number;
  close(): Promise<void>;
}

// Query parameters that carry the signature: s3rver would try (and fail) to check them itself.
const AUTH_QUERY_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);
/**
 * The public face of the local S3: verifies each request's SigV4 signature, then streams it to s3rver
 * unchanged (Host included). A browser-based upload (multipart POST to the bucket) is checked against its
 * signed policy instead, and only a file that satisfies it is stored.
 */
export async function startFrontServer(options: FrontServerOptions): Promise<FrontServer> {
  const agent = new Agent({ keepAlive: true });
  const conditionalWrites = new KeyedLock();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendError(req, res, {
          ok: false,
          status: 500,
          code: 'InternalError',
          message: `The local S3 front failed: ${String(error)}`,
        });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (!url.startsWith('/')) {
      sendError(req, res, {
        ok: false,
        status: 400,
        code: 'InvalidURI',
        message: `Couldn't parse the specified URI: ${url}`,
      });
      return;
    }
    const queryStart = url.indexOf('?');
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
    const postBucket = browserPostBucket(req, rawPath, rawQuery);
    if (postBucket !== undefined) {
      await handleBrowserPost(req, res, postBucket, {
        policy: options.postPolicy,
        upstream: options.upstream,
        agent,
        ...(options.spoolDir && { spoolDir: options.spoolDir }),
      });
      return;
    }
    const verdict = await options.verify({
      method: req.method ?? 'GET',
      rawPath,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
    });
    if (!verdict.ok) {
      sendError(req, res, verdict);
      return;
    }
    const condition = putCondition(req.method, req.headers, rawQuery);
    if (condition) {
      // Checked and stored under the key's lock: of two conditional writes of one key, one wins.
      await conditionalWrites.run(rawPath, async () => {
        const refusal = preconditionFailure(condition, await upstreamEtag(rawPath));
        if (refusal) {
          sendError(req, res, refusal);
          return;
        }
        req.headers = withoutConditions(req.headers);
        await store(req, res, rawPath, rawQuery);
      });
      return;
    }
    await store(req, res, rawPath, rawQuery);
  }

  /** Sends a verified request on to s3rver; resolves once the answer has been sent. */
  async function store(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): Promise<void> {
    const declared = req.headers['x-amz-content-sha256'];
    if (
      typeof declared === 'string' &&
      /^[0-9a-f]{64}$/.test(declared) &&
      (req.method === 'PUT' || req.method === 'POST')
    ) {
      // The signature covers this hash, not the bytes: S3 checks the bytes against it before storing them.
      const declaredLength = Number(req.headers['content-length'] ?? NaN);
      const spooled =
        declaredLength <= IN_MEMORY_BYTES
          ? await readAndHash(req)
          : await spoolAndHash(req, options.spoolDir ?? tmpdir());
      try {
        if (spooled.sha256 !== declared) {
          sendError(req, res, {
            ok: false,
            status: 400,
            code: 'XAmzContentSHA256Mismatch',
            message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
          });
          return;
        }
        await new Promise<void>((resolve) =>
          forward(spooled.open(), req, res, rawPath + withoutAuthParams(rawQuery), resolve, spooled.size),
        );
      } finally {
        await spooled.release();
      }
      return;
    }
    await new Promise<void>((resolve) => forward(req, req, res, rawPath + withoutAuthParams(rawQuery), resolve));
  }

  /** The ETag of the object at `rawPath` (`/<bucket>/<key>`) as s3rver has it, or undefined when there is none. */
  function upstreamEtag(rawPath: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const head = httpRequest(
        { socketPath: options.upstream.socketPath, method: 'HEAD', path: rawPath, agent },
        (answer) => {
          answer.resume();
          const etag = answer.headers.etag;
          if (answer.statusCode === 404) resolve(undefined);
          else if (answer.statusCode === 200 && typeof etag === 'string') resolve(etag);
          else reject(new Error(`HEAD ${rawPath} answered ${answer.statusCode ?? 'nothing'}`));
        },
      );
      head.on('error', reject);
      head.end();
    });
  }

  function forward(
    body: Readable,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    done: () => void = () => undefined,
    length?: number,
  ): void {
    const headers = withoutHopByHop(req.headers, ['expect']);
    if (length !== undefined) headers['content-length'] = String(length);
    delete headers.authorization;
    const upstreamRequest = httpRequest(
      { socketPath: options.upstream.socketPath, method: req.method, path, headers, agent },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, withoutHopByHop(upstreamResponse.headers));
        relay(upstreamResponse, res, () => done());
      },
    );
    upstreamRequest.on('error', (error) => {
      if (!res.headersSent)
        sendError(req, res, {
          ok: false,
          status: 502,
          code: 'ServiceUnavailable',
          message: `The local S3 store did not answer: ${error.message}`,
        });
      else res.destroy(error);
      done();
    });
    // Streamed both ways: a large context never sits in memory here.
    relay(body, upstreamRequest);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

/** The bucket of a browser-based upload: a multipart/form-data POST to `/<bucket>` carrying no other authentication. */
function browserPostBucket(req: IncomingMessage, rawPath: string, rawQuery: string): string | undefined {
  if (req.method !== 'POST' || rawQuery !== '' || req.headers.authorization !== undefined) return undefined;
  if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) return undefined;
  const bucket = /^\/([^/]+)\/?$/.exec(rawPath)?.[1];
  return bucket === undefined ? undefined : safeDecode(bucket);
}

function withoutAuthParams(rawQuery: string): string {
  if (rawQuery === '') return '';
  const kept = rawQuery.split('&').filter((pair) => {
    const name = pair.split('=', 1)[0] ?? '';
    return !AUTH_QUERY_PARAMS.has(safeDecode(name));
  });
  return kept.length ? `?${kept.join('&')}` : '';
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A request body held until its SHA-256 is checked, before a byte of it reaches the store. */
interface HeldBody {
  size: number;
  sha256: string;
  open(): Readable;
  release(): Promise<void>;
}

/** A small request body, read into memory while its SHA-256 is computed. */
async function readAndHash(req: IncomingMessage): Promise<HeldBody> {
  // Node's parser reads no more than Content-Length bytes, so this holds at most IN_MEMORY_BYTES.
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  return {
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    open: () => Readable.from([body]),
    release: async () => undefined,
  };
}

/** The request body, written to a private temp folder while its SHA-256 is computed: checked before a byte reaches the store. */
async function spoolAndHash(req: IncomingMessage, spoolDir: string): Promise<HeldBody> {
  const dir = await mkdtemp(join(spoolDir, 'slipway-s3-put-'));
  const path = join(dir, 'body');
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipelineAsync(req, tap, createWriteStream(path));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    size,
    sha256: hash.digest('hex'),
    open: () => createReadStream(path),
    release: () => rm(dir, { recursive: true, force: true }),
  };
}
