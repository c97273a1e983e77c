import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { EnvSecretStore } from '../adapters/env-secret-store.ts';
import { GitHubSourceRepository } from '../adapters/github-source-repository.ts';
import { PowertoolsRunMetrics, powertoolsLogger } from '../adapters/powertools.ts';
import { LocalBuildRunner } from '../adapters/local/build-runner/index.ts';
import { DockerContainerService, LocalSecretSource } from '../adapters/local/container-service/index.ts';
import { dockerBinary } from '../adapters/local/docker-binary.ts';
import { DistributionImageRegistry, type RegistryNotification } from '../adapters/local/distribution-registry.ts';
import { InProcessEventBus, type BusRule } from '../adapters/local/in-process-event-bus.ts';
import { LocalBuildLogs } from '../adapters/local/local-build-logs.ts';
import { LocalStepFunctionsWorkflow } from '../adapters/local/local-workflow.ts';
import { readConfigFile } from '../config-file.ts';
import { allApps, appConfig, type SlipwayConfig } from '../domain/config.ts';
import { parseSchedule } from '../domain/schedule.ts';
import { dashboardHandler } from '../edges/dashboard.ts';
import { httpHandler } from '../edges/http.ts';
import { createUploadRoute } from '../edges/routes/create-upload.ts';
import { getRunLogsRoute } from '../edges/routes/get-run-logs.ts';
import { getRunRoute } from '../edges/routes/get-run.ts';
import { githubWebhookRoute } from '../edges/routes/github-webhook.ts';
import { lifecyclePreviewRoute } from '../edges/routes/lifecycle-preview.ts';
import { listAppsRoute } from '../edges/routes/list-apps.ts';
import { listRunsRoute } from '../edges/routes/list-runs.ts';
import { rollbackRoute } from '../edges/routes/rollback.ts';
import { startRunTarget } from '../edges/routes/start-run.ts';
import { stepHandler } from '../edges/step-handler.ts';
import { awaitHandler, wakeHandler } from '../edges/wait-handler.ts';
import { bootStandIns, LOCAL_BUCKET, LOCAL_REGION } from '../local-stack/boot.ts';
import { dockerAnswers } from '../local-stack/engine.ts';
import { stackId, type StackPaths } from '../local-stack/paths.ts';
import type { StackInfo } from '../local-stack/stack-file.ts';
import { loadDefinition, substitutionKey, TASK_FUNCTIONS, WAIT_TASKS, type TaskState } from '../pipeline/definition.ts';
import { systemClock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { HttpFunction } from '../stand-ins/api-server.ts';
import {
  buildRequested,
  buildStateChangeEvent,
  deploymentStateChangeEvent,
  objectCreatedEvent,
  putEvents,
} from '../stand-ins/bus-events.ts';
import { startScheduler } from '../stand-ins/scheduler.ts';
import { readServerlessRoutes } from '../stand-ins/serverless-routes.ts';
import type { Dependencies } from '../use-cases/dependencies.ts';
import type { BuildRequestedEvent } from '../use-cases/rebuild.ts';
import type { ObjectCreatedEvent } from '../use-cases/start-run.ts';
import { STEPS, WAIT_CHECKS } from '../use-cases/steps/index.ts';

/**
 * Slipway's own folder (serverless.yml, buildspec/): the project the stack serves (its
 * slipway.config.json and .slipway/ state) may be any folder.
 */
const SLIPWAY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ASL waits 2 s for an older run to finish moving the service; a local UpdateService returns in milliseconds. */
const LOCAL_WAIT_MS = { WaitForDeployTurn: 100 };
/** What `Ref: BuildProject` names in serverless.yml's event patterns: the project of the local build runner's events. */
const LOCAL_BUILD_PROJECT = 'slipway-local-build';
const LOCAL_RETRY_MS = Object.fromEntries(Object.keys(TASK_FUNCTIONS).map((state) => [state, 200]));

export interface RunningStack {
  info: StackInfo;
  dependencies: Dependencies;
  workflow: LocalStepFunctionsWorkflow;
  stop(options?: { removeContainers?: boolean }): Promise<void>;
}

/**
 * The local wiring: boots the stand-in servers (src/local-stack/boot.ts), builds the local adapters
 * over them, and binds every route, state-machine Task and EventBridge target serverless.yml
 * declares to the same cores the Lambdas run (src/edges/routes/, src/use-cases/steps/), with
 * these dependencies handed in.
 */
export async function startLocalStack(options: {
  root: string;
  paths: StackPaths;
  logger?: Logger;
}): Promise<RunningStack> {
  const { root, paths } = options;
  const logger = options.logger ?? powertoolsLogger({ service: 'slipway-local', level: process.env.SLIPWAY_LOG_LEVEL });
  const config = readConfigFile(join(root, 'slipway.config.json'));
  const stack = stackId(paths);
  const declared = readServerlessRoutes(join(SLIPWAY_ROOT, 'serverless.yml'), {
    ContextsBucket: LOCAL_BUCKET,
    BuildProject: LOCAL_BUILD_PROJECT,
  });
  // The servers start before the adapters that use them exist; requests wait for the wiring.
  let deps: Dependencies | undefined;
  let registry: DistributionImageRegistry | undefined;
  let bus: InProcessEventBus | undefined;
  let ready: () => void = () => undefined;
  const whenReady = new Promise<void>((resolve) => (ready = resolve));
  const wired = () => {
    if (!deps) throw new Error('the local stack is not wired yet');
    return deps;
  };
  const http = httpFunctions(wired);
  let partsHealth: () => Promise<Record<string, { ok: boolean }>> = async () => ({});

  const standIns = await bootStandIns({
    paths,
    routes: declared.http,
    resolve: async (route) => {
      await whenReady;
      return requireBinding(http, route.handler, 'HTTP route');
    },
    local: {
      // The API answers, so the stack is up; `parts` says how each stand-in is (`slipway local status` prints them).
      'GET /_local/health': async () => ({ status: 200, body: { ok: true, stack, parts: await partsHealth() } }),
      // EventBridge PutEvents' stand-in, for `slipway rebuild` and other systems on this machine.
      'POST /_local/events': async (_request, body) => {
        await whenReady;
        return { status: 200, body: putEvents(bus!, body, LOCAL_REGION) };
      },
      'POST /_local/registry-events': async (_request, body) => {
        await whenReady;
        await registry!.recordNotification(JSON.parse(body.toString('utf8')) as RegistryNotification);
        return { status: 200 };
      },
    },
    logger,
  });
  const stoppers: (() => Promise<void>)[] = [standIns.stop];
  partsHealth = async () => {
    const [s3, registryHealth, engine] = await Promise.all([
      standIns.s3.health(),
      standIns.registry.health(),
      dockerAnswers(),
    ]);
    return {
      api: { ok: true },
      s3,
      registry: registryHealth,
      containers: { ok: engine, ...(!engine && { reason: 'the Docker engine does not answer' }) },
    };
  };
  const stopAll = async () => {
    for (const stop of stoppers.reverse())
      await stop().catch((error: unknown) => logger.warn('stop failed', { error: String(error) }));
  };

  try {
    const docker = dockerBinary(process.env);
    registry = new DistributionImageRegistry({
      url: standIns.registry.url,
      host: standIns.registry.host,
      indexPath: paths.registryIndex,
      storageDir: standIns.registry.storageDir,
      socketPath: standIns.registry.socketPath,
    });
    // Secret values for the apps' containers: SLIPWAY_SECRET_<NAME> in this environment, else .slipway/secrets.json.
    const secretValues = new LocalSecretSource({ file: join(paths.dir, 'secrets.json'), env: process.env });
    const containers = new DockerContainerService({
      stateDir: paths.services,
      stack,
      pollMs: 25,
      logger,
      docker,
      secrets: secretValues,
      // As ECS's Deployment State Change events: they end the runs' rollout waits (the bus exists once wired).
      onDeploymentChange: (change) =>
        bus?.deliver(deploymentStateChangeEvent(change, serviceOf(config, change.app), LOCAL_REGION)),
    });
    await containers.start();
    let removeContainers = false;
    stoppers.push(() => containers.stop({ removeContainers }));

    const definition = loadDefinition(
      Object.fromEntries(
        Object.entries(TASK_FUNCTIONS).map(([state, fn]) => [
          substitutionKey(state as TaskState),
          `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:slipway-local-${fn}`,
        ]),
      ),
    );
    const workflow = new LocalStepFunctionsWorkflow({
      definition,
      handlers: taskHandlers(wired),
      stateDir: paths.executions,
      waitOverrides: LOCAL_WAIT_MS,
      retryOverrides: LOCAL_RETRY_MS,
      logger,
    });
    const recovered = await workflow.recover();
    if (recovered) logger.warn('runs interrupted by the last stop marked aborted', { count: recovered });

    const targets = eventTargets(wired);
    bus = new InProcessEventBus(
      declared.events.map((rule) => ({
        name: rule.function,
        pattern: rule.pattern,
        target: requireBinding(targets, rule.handler, 'EventBridge target'),
      })),
      { logger, region: LOCAL_REGION },
    );
    const events = bus;
    standIns.s3.onObjectCreated((object) => events.deliver(objectCreatedEvent(object, LOCAL_REGION)));
    // Each app's rebuild schedule, as the schedule rule in AWS: a Build Requested event at every fire time.
    const scheduler = startScheduler({
      apps: allApps(config).flatMap(({ name, rebuild }) =>
        rebuild ? [{ app: name, expression: rebuild.schedule, schedule: parseSchedule(rebuild.schedule) }] : [],
      ),
      scale: Number(process.env.SLIPWAY_LOCAL_SCHEDULE_SCALE ?? 1),
      fire: (app, at) => events.deliver(buildRequested({ app, schedule: true }, at, LOCAL_REGION)),
      logger,
    });
    stoppers.push(async () => scheduler.stop());

    const objects = new S3ObjectStore({
      bucket: LOCAL_BUCKET,
      client: createS3Client({
        endpoint: standIns.s3.endpoint,
        region: LOCAL_REGION,
        credentials: standIns.credentials,
        forcePathStyle: true,
      }),
    });
    // The runner fetches each context through the store, as CodeBuild's role reads it from S3.
    const builds = new LocalBuildRunner({
      buildspecPath: join(SLIPWAY_ROOT, 'buildspec', 'buildspec.yml'),
      workDir: paths.builds,
      contexts: objects,
      docker,
      // As CodeBuild's Build State Change events: a build's end ends its run's build wait.
      onStateChange: (build) => events.deliver(buildStateChangeEvent(build, LOCAL_BUILD_PROJECT, LOCAL_REGION)),
    });
    stoppers.push(() => builds.close());
    // GitHub settings come from the environment `slipway local up` ran in (SLIPWAY_GITHUB_*).
    const secrets = new EnvSecretStore(process.env);
    deps = {
      config,
      objects,
      builds,
      buildLogs: new LocalBuildLogs(builds),
      registry,
      containers,
      workflow,
      events,
      secrets,
      source: new GitHubSourceRepository({
        apiUrl: process.env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com',
        token: () => secrets.get('githubToken'),
      }),
      clock: systemClock,
      logger,
      metrics: new PowertoolsRunMetrics({ namespace: 'Slipway', service: 'slipway-local' }),
      settings: { contextBucket: LOCAL_BUCKET, uploadUrlSeconds: 900, rolloutTimeoutSeconds: 300 },
    };
    ready();

    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      api: standIns.api.url,
      s3: standIns.s3.endpoint,
      bucket: LOCAL_BUCKET,
      registry: standIns.registry.url,
      registryPid: standIns.registry.pid,
      ...(standIns.notices.length && { notices: standIns.notices }),
      stack,
      stateDir: paths.dir,
      log: paths.log,
    };
    logger.info('local stack up', { ...info });
    return {
      info,
      dependencies: deps,
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

/** Each HTTP function serverless.yml declares (by its file under functions/), bound to the local dependencies. */
function httpFunctions(deps: () => Dependencies): Record<string, HttpFunction> {
  return {
    'create-upload': httpHandler(createUploadRoute, deps),
    'list-runs': httpHandler(listRunsRoute, deps),
    'list-apps': httpHandler(listAppsRoute, deps),
    'get-run': httpHandler(getRunRoute, deps),
    'get-run-logs': httpHandler(getRunLogsRoute, deps),
    rollback: httpHandler(rollbackRoute, deps),
    'lifecycle-preview': httpHandler(lifecyclePreviewRoute, deps),
    'github-webhook': httpHandler(githubWebhookRoute, deps),
    dashboard: dashboardHandler,
  };
}

/** Each state-machine Task, bound to the step its functions/ file runs in AWS (a wait Task to the wait's start). */
export function taskHandlers(deps: () => Dependencies): Record<TaskState, (input: unknown) => Promise<unknown>> {
  return {
    ...Object.fromEntries(
      (Object.keys(STEPS) as (keyof typeof STEPS)[]).map((state) => [state, stepHandler(state, STEPS[state], deps)]),
    ),
    ...Object.fromEntries(WAIT_TASKS.map((task) => [task, awaitHandler(task, WAIT_CHECKS[task], deps)])),
  } as Record<TaskState, (input: unknown) => Promise<unknown>>;
}

/** Each EventBridge target; the bus routes to it only the events serverless.yml's pattern for it matches. */
export function eventTargets(deps: () => Dependencies): Record<string, BusRule['target']> {
  return {
    'start-run': (event) => startRunTarget(event as unknown as ObjectCreatedEvent | BuildRequestedEvent, deps()),
    'wake-builds': wakeHandler('AwaitBuild', WAIT_CHECKS.AwaitBuild, deps),
    'wake-rollouts': wakeHandler('AwaitRollout', WAIT_CHECKS.AwaitRollout, deps),
  };
}

/** The ECS service an app's deployment events name: its service in slipway.config.json (an app since removed: its own name). */
function serviceOf(config: SlipwayConfig, app: string): { cluster: string; name: string } {
  try {
    return appConfig(config, app).service;
  } catch {
    return { cluster: 'default', name: app };
  }
}

/** `functions/get-run.handler` → the local binding of functions/get-run.ts; a function serverless.yml names and nothing binds is a wiring bug. */
function requireBinding<T>(bindings: Record<string, T>, handler: string, what: string): T {
  const name = handler.replace(/^functions\//, '').replace(/\.handler$/, '');
  const bound = bindings[name];
  if (!bound)
    throw new Error(
      `serverless.yml declares the ${what} ${handler}, and src/wiring/local.ts binds nothing to it. Add it there.`,
    );
  return bound;
}
