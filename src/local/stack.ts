import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installDependencies } from '../composition-root.ts';
import { readConfigFile } from '../config-file.ts';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { EnvSecretStore } from '../adapters/env-secret-store.ts';
import { GitHubSourceRepository } from '../adapters/github-source-repository.ts';
import { jsonLogger } from '../adapters/json-logger.ts';
import { LocalBuildRunner } from '../adapters/local/build-runner/index.ts';
import { DockerContainerService } from '../adapters/local/container-service/index.ts';
import { DistributionImageRegistry, type RegistryNotification } from '../adapters/local/distribution-registry.ts';
import { InProcessEventBus } from '../adapters/local/in-process-event-bus.ts';
import { LocalBuildLogs } from '../adapters/local/local-build-logs.ts';
import { LocalStepFunctionsWorkflow } from '../adapters/local/local-workflow.ts';
import { loadDefinition, substitutionKey, TASK_FUNCTIONS, type TaskState } from '../pipeline/definition.ts';
import type { Dependencies } from '../pipeline/dependencies.ts';
import { systemClock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { startApiServer, type HttpFunction } from './api-server.ts';
import { localCredentials } from './credentials.ts';
import { stackId, type StackPaths } from './paths.ts';
import { stackPorts } from './ports.ts';
import { startRegistry } from './registry-process.ts';
import { startLocalS3 } from '../local/s3/index.ts';
import { allApps } from '../domain/config.ts';
import { parseSchedule } from '../domain/schedule.ts';
import { startScheduler } from './scheduler.ts';
import { buildRequested, objectCreatedEvent, putEvents } from './bus-events.ts';
import { readServerlessRoutes } from './serverless-routes.ts';
import type { StackInfo } from './stack-file.ts';

const REGION = 'us-east-1';
const BUCKET = 'slipway-contexts';

/** How often the local stack polls: the ASL's Wait states say 10 and 15 seconds for AWS; a local build takes seconds. */
const LOCAL_POLL_MS = { WaitForBuild: 25, WaitForRollout: 25 };
const LOCAL_RETRY_MS = Object.fromEntries(Object.keys(TASK_FUNCTIONS).map((state) => [state, 200]));

export interface RunningStack {
  info: StackInfo;
  dependencies: Dependencies;
  workflow: LocalStepFunctionsWorkflow;
  stop(options?: { removeContainers?: boolean }): Promise<void>;
}

/**
 * The whole pipeline on one machine: S3 (s3rver behind a SigV4-checking front), the distribution
 * registry, the Step Functions interpreter running the real ASL, the in-process EventBridge bus,
 * the build runner, the container service, and the API server — wired to the same handlers AWS runs.
 */
export async function startLocalStack(options: { root: string; paths: StackPaths; logger?: Logger }): Promise<RunningStack> {
  const { root, paths } = options;
  const logger = options.logger ?? jsonLogger({ service: 'slipway-local' });
  const config = readConfigFile(join(root, 'slipway.config.json'));
  await mkdir(paths.dir, { recursive: true });
  const ports = await stackPorts(paths.portsFile);
  const credentials = await localCredentials(paths.credentialsFile);
  const stack = stackId(paths);
  const importHandler = async (handler: string) => {
    const [file, exported] = [handler.slice(0, handler.lastIndexOf('.')), handler.slice(handler.lastIndexOf('.') + 1)];
    const module = (await import(pathToFileURL(join(root, `${file}.ts`)).href)) as Record<string, unknown>;
    return module[exported] as (event: unknown) => Promise<unknown>;
  };
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => logger.warn('stop failed', { error: String(error) }));
  };

  try {
    const registryHost = `127.0.0.1:${ports.registry}`;
    const registry = new DistributionImageRegistry({ url: `http://${registryHost}`, host: registryHost, indexPath: paths.registryIndex });
    let ready: () => void = () => undefined;
    const whenReady = new Promise<void>((resolve) => (ready = resolve));
    const routes = readServerlessRoutes(join(root, 'serverless.yml'), { ContextsBucket: BUCKET });
    const api = await startApiServer({
      port: ports.api,
      routes: routes.http,
      resolve: async (route) => {
        await whenReady;
        return (await importHandler(route.handler)) as HttpFunction;
      },
      local: {
        'GET /_local/health': async () => ({ status: 200, body: { ok: true, stack } }),
        // EventBridge PutEvents' stand-in, for `slipway rebuild` and other systems on this machine.
        'POST /_local/events': async (_request, body) => {
          await whenReady;
          return { status: 200, body: putEvents(bus, body, REGION) };
        },
        'POST /_local/registry-events': async (_request, body) => {
          await registry.recordNotification(JSON.parse(body.toString('utf8')) as RegistryNotification);
          return { status: 200 };
        },
      },
    });
    stoppers.push(api.close);

    const s3 = await startLocalS3({ dataDir: paths.s3, host: '127.0.0.1', port: ports.s3, bucket: BUCKET, credentials, region: REGION });
    stoppers.push(s3.stop);
    const registryProcess = await startRegistry({ dataDir: paths.registry, port: ports.registry, notifyUrl: `${api.url}/_local/registry-events` });
    stoppers.push(registryProcess.stop);

    const containers = new DockerContainerService({ stateDir: paths.services, stack, pollMs: 25, logger });
    await containers.start();
    let removeContainers = false;
    stoppers.push(() => containers.stop({ removeContainers }));

    const definition = loadDefinition(
      Object.fromEntries(
        Object.entries(TASK_FUNCTIONS).map(([state, fn]) => [substitutionKey(state as TaskState), `arn:aws:lambda:${REGION}:000000000000:function:slipway-local-${fn}`]),
      ),
    );
    const handlers = Object.fromEntries(
      Object.entries(TASK_FUNCTIONS).map(([state, fn]) => [state, async (input: unknown) => (await importHandler(`functions/${fn}.handler`))(input)]),
    );
    const workflow = new LocalStepFunctionsWorkflow({ definition, handlers, stateDir: paths.executions, waitOverrides: LOCAL_POLL_MS, retryOverrides: LOCAL_RETRY_MS, logger });
    const recovered = await workflow.recover();
    if (recovered) logger.warn('runs interrupted by the last stop marked aborted', { count: recovered });

    const bus = new InProcessEventBus(
      routes.events.map((rule) => ({ name: rule.function, pattern: rule.pattern, target: async (event) => (await importHandler(rule.handler))(event) })),
      { logger, region: REGION },
    );
    s3.onObjectCreated((object) => bus.deliver(objectCreatedEvent(object, REGION)));
    // Each app's rebuild schedule, as the schedule rule in AWS: a Build Requested event at every fire time.
    const scheduler = startScheduler({
      apps: allApps(config).flatMap(({ name, rebuild }) => (rebuild ? [{ app: name, expression: rebuild.schedule, schedule: parseSchedule(rebuild.schedule) }] : [])),
      scale: Number(process.env.SLIPWAY_LOCAL_SCHEDULE_SCALE ?? 1),
      fire: (app, at) => bus.deliver(buildRequested({ app, schedule: true }, at, REGION)),
      logger,
    });
    stoppers.push(async () => scheduler.stop());

    const builds = new LocalBuildRunner({ buildspecPath: join(root, 'buildspec', 'buildspec.yml'), workDir: paths.builds });
    stoppers.push(() => builds.close());
    // GitHub settings come from the environment `slipway local up` ran in (SLIPWAY_GITHUB_*).
    const secrets = new EnvSecretStore(process.env);
    const dependencies: Dependencies = {
      config,
      objects: new S3ObjectStore({ bucket: BUCKET, client: createS3Client({ endpoint: s3.endpoint, region: REGION, credentials, forcePathStyle: true }) }),
      builds,
      buildLogs: new LocalBuildLogs(builds),
      registry,
      containers,
      workflow,
      events: bus,
      secrets,
      source: new GitHubSourceRepository({ apiUrl: process.env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com', token: () => secrets.get('githubToken') }),
      clock: systemClock,
      logger,
      settings: { contextBucket: BUCKET, uploadUrlSeconds: 900, contextDownloadSeconds: 3600, rolloutTimeoutSeconds: 300 },
    };
    installDependencies(dependencies);
    ready();

    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      api: api.url,
      s3: s3.endpoint,
      bucket: BUCKET,
      registry: registryProcess.url,
      registryPid: registryProcess.pid,
      stack,
      stateDir: paths.dir,
      log: paths.log,
    };
    logger.info('local stack up', { ...info });
    return {
      info,
      dependencies,
      workflow,
      async stop(stopOptions) {
        removeContainers = stopOptions?.removeContainers ?? true;
        await stopAll();
        logger.info('local stack stopped', { stack });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
