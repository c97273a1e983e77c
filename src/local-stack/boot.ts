import { mkdir } from 'node:fs/promises';
import type { Logger } from '../ports/logger.ts';
import { startApiServer, type HttpFunction, type LocalEndpoint } from '../stand-ins/api-server.ts';
import { localCredentials } from '../stand-ins/credentials.ts';
import { startRegistry, type RegistryProcess } from '../stand-ins/registry-process.ts';
import { startLocalS3 } from '../stand-ins/s3/index.ts';
import type { HttpRoute } from '../stand-ins/serverless-routes.ts';
import { reapOrphans } from './orphans.ts';
import type { StackPaths } from './paths.ts';
import { portReplacedLine, stackPorts } from './tcp-ports.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_BUCKET = 'slipway-contexts';

export interface StandIns {
  api: { url: string };
  s3: Awaited<ReturnType<typeof startLocalS3>>;
  registry: Omit<RegistryProcess, 'stop'>;
  credentials: Awaited<ReturnType<typeof localCredentials>>;
  /** What this boot had to do that the user should hear about: leftovers of a killed stack cleaned, kept ports replaced. One line each. */
  notices: string[];
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
  // Before the ports are checked: a registry a killed stack left running still holds this stack's port.
  const notices = await reapOrphans(paths);
  await mkdir(paths.tmp, { recursive: true });
  const { ports, replaced } = await stackPorts(paths.portsFile);
  notices.push(...replaced.map(portReplacedLine));
  for (const notice of notices) logger.warn(notice);
  const credentials = await localCredentials(paths.credentialsFile);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse())
      await stopOne().catch((error: unknown) => logger.warn('stop failed', { error: String(error) }));
  };
  try {
    const api = await startApiServer({
      port: ports.api,
      routes: options.routes,
      resolve: options.resolve,
      local: options.local,
    });
    stoppers.push(api.close);
    const s3 = await startLocalS3({
      dataDir: paths.s3,
      socketPath: paths.s3Socket,
      spoolDir: paths.tmp,
      host: '127.0.0.1',
      port: ports.s3,
      bucket: LOCAL_BUCKET,
      credentials,
      region: LOCAL_REGION,
      logger,
    });
    stoppers.push(s3.stop);
    const registry = await startRegistry({
      dataDir: paths.registry,
      socketPath: paths.registrySocket,
      port: ports.registry,
      notifyUrl: `${api.url}/_local/registry-events`,
      logger,
    });
    stoppers.push(registry.stop);
    return { api, s3, registry, credentials, notices, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
