import { mkdir } from 'node:fs/promises';
import type { Logger } from '../ports/logger.ts';
import { startApiServer, type HttpFunction, type LocalEndpoint } from '../stand-ins/api-server.ts';
import { localCredentials } from '../stand-ins/credentials.ts';
import { startRegistry } from '../stand-ins/registry-process.ts';
import { startLocalS3 } from '../stand-ins/s3/index.ts';
import type { HttpRoute } from '../stand-ins/serverless-routes.ts';
import type { StackPaths } from './paths.ts';
import { stackPorts } from './tcp-ports.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_BUCKET = 'slipway-contexts';

export interface StandIns {
  api: { url: string };
  s3: Awaited<ReturnType<typeof startLocalS3>>;
  registry: { url: string; host: string; pid: number };
  credentials: Awaited<ReturnType<typeof localCredentials>>;
  /** Stop every server this boot started, newest first. */
  stop(): Promise<void>;
}

/**
 * Start the servers that stand in for AWS: the API server (API Gateway), S3 (s3rver behind a
 * SigV4-checking front) and the distribution registry (ECR). Only servers: which handler answers a
 * route is the wiring's business (src/wiring/local.ts), handed in as `resolve`.
 */
export async function bootStandIns(options: {
  paths: StackPaths;
  routes: HttpRoute[];
  resolve: (route: HttpRoute) => Promise<HttpFunction>;
  local: Record<string, LocalEndpoint>;
  logger: Logger;
}): Promise<StandIns> {
  const { paths, logger } = options;
  await mkdir(paths.dir, { recursive: true });
  const ports = await stackPorts(paths.portsFile);
  const credentials = await localCredentials(paths.credentialsFile);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch((error: unknown) => logger.warn('stop failed', { error: String(error) }));
  };
  try {
    const api = await startApiServer({ port: ports.api, routes: options.routes, resolve: options.resolve, local: options.local });
    stoppers.push(api.close);
    const s3 = await startLocalS3({ dataDir: paths.s3, host: '127.0.0.1', port: ports.s3, bucket: LOCAL_BUCKET, credentials, region: LOCAL_REGION });
    stoppers.push(s3.stop);
    const registry = await startRegistry({ dataDir: paths.registry, port: ports.registry, notifyUrl: `${api.url}/_local/registry-events` });
    stoppers.push(registry.stop);
    return { api, s3, registry: { url: registry.url, host: `127.0.0.1:${ports.registry}`, pid: registry.pid }, credentials, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
