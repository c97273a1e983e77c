import { dirname, join } from 'node:path';
import { InvalidInputError } from '../../../domain/errors.ts';
import { initialTaskDefinition, renderTaskDefinition } from '../../../domain/task-definition.ts';
import type {
  ContainerService,
  DeployRequest,
  Deployment,
  RolloutStatus,
  ServiceRef,
  ServingVersion,
} from '../../../ports/container-service.ts';
import type { Logger } from '../../../ports/logger.ts';
import { DesiredState } from './desired-state.ts';
import { DockerCli, LABEL } from './docker.ts';
import { DeploymentNotFoundError } from '../../../ports/container-service.ts';
import { DEFAULT_DOCKER } from '../docker-binary.ts';
import { AppProxy } from './proxy.ts';
import { LocalSecretSource, type SecretSource } from './secrets.ts';
import { StateStore, type DeploymentRecord, type ServiceState } from './state-store.ts';
import { Rollouts, type DeploymentChange } from './rollouts.ts';
import type { ServiceParts } from './service-parts.ts';
import { TaskLauncher } from './task-launcher.ts';
import { urlOf } from './urls.ts';
import { checkTaskSettings, hasTaskSettings, withTaskSettings } from './task-settings.ts';

export interface DockerContainerServiceOptions {
  /** Where task-definition revisions, service ports and deployments are kept (`.slipway/services` in the local stack). */
  stateDir: string;
  /** Value of the `slipway.stack` label on every container this stack starts; stop() removes exactly those. */
  stack: string;
  /** Docker client binary; Debian's `/usr/bin/docker` matches Debian's engine. */
  docker?: string;
  now?: () => Date;
  /** Pause between two health checks of a new container. */
  pollMs?: number;
  /** Pause between two looks at the serving containers, to replace the ones that stopped (default 1000). */
  watchMs?: number;
  /** Values of the tasks' secrets. Default: `SLIPWAY_SECRET_<NAME>` in this process's environment, then `secrets.json` next to stateDir. */
  secrets?: SecretSource;
  logger?: Logger;
  /** Told when a deployment starts, completes or fails, as ECS's "Deployment State Change" events tell: the local stack puts them on its bus. */
  onDeploymentChange?: (change: DeploymentChange) => void;
}

const OPTIONS = new Set([
  'stateDir',
  'stack',
  'docker',
  'now',
  'pollMs',
  'watchMs',
  'secrets',
  'logger',
  'onDeploymentChange',
]);
const APP = /^[a-z][a-z0-9-]{0,39}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The local ECS Fargate service behind a load balancer: each app is labelled containers on the local Docker engine
 * plus one long-lived reverse proxy whose URL never changes, balancing over the app's healthy containers. A deploy
 * registers a task-definition revision and, in the background (as the ECS control plane would), starts its
 * `desiredCount` containers one at a time, puts each behind the proxy once healthy, then retires the old ones — or
 * fails, removes the new containers, and leaves every old one serving. Between deploys it keeps the serving
 * revision's containers running: one that stops is replaced, and start() brings back what served before a stop.
 */
export class DockerContainerService implements ContainerService {
  private readonly docker: DockerCli;
  private readonly store: StateStore;
  private readonly stack: string;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly launcher: TaskLauncher;
  private readonly desired: DesiredState;
  private readonly rollouts: Rollouts;
  private readonly proxies = new Map<string, Promise<AppProxy>>();
  private readonly locks = new Map<string, Promise<void>>();
  private watching: Promise<void> | undefined;
  private lifetime = new AbortController();

  constructor(options: DockerContainerServiceOptions) {
    const unknown = Object.keys(options).filter((key) => !OPTIONS.has(key));
    if (unknown.length > 0)
      throw new InvalidInputError(
        `Unknown DockerContainerService option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${[...OPTIONS].join(', ')}.`,
      );
    if (!TOKEN.test(options.stack))
      throw new InvalidInputError(
        `Invalid stack label "${options.stack}": use letters, digits, ".", "_" and "-" (up to 128).`,
      );
    for (const key of ['pollMs', 'watchMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(value > 0))
        throw new InvalidInputError(`${key} must be a positive number of milliseconds, got ${value}.`);
    }
    this.docker = new DockerCli(options.docker ?? DEFAULT_DOCKER);
    this.store = new StateStore(options.stateDir);
    this.stack = options.stack;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger ?? silent;
    const secrets =
      options.secrets ??
      new LocalSecretSource({ file: join(dirname(options.stateDir), 'secrets.json'), env: process.env });
    this.launcher = new TaskLauncher({
      docker: this.docker,
      store: this.store,
      stack: this.stack,
      secrets,
      now: this.now,
      pollMs: options.pollMs ?? 500,
    });
    const parts: ServiceParts = {
      docker: this.docker,
      store: this.store,
      stack: this.stack,
      launcher: this.launcher,
      now: this.now,
      logger: this.logger,
      exclusive: (app, step) => this.exclusive(app, step),
      proxyFor: (app) => this.proxyFor(app),
    };
    this.desired = new DesiredState({ ...parts, watchMs: options.watchMs ?? 1_000 });
    this.rollouts = new Rollouts({
      ...parts,
      openedProxy: async (app) => this.proxies.get(app)?.catch(() => undefined),
      onDeploymentChange: options.onDeploymentChange ?? (() => undefined),
    });
  }

  async deploy(request: DeployRequest): Promise<Deployment> {
    const { app, runId, service, image, task } = request;
    checkApp(app);
    if (!TOKEN.test(runId)) throw new InvalidInputError(`Invalid runId "${runId}": expected a ULID.`);
    if (task) checkTaskSettings(app, task);
    if (this.lifetime.signal.aborted)
      throw new InvalidInputError(
        `The local container service was stopped; start() it again before deploying app "${app}".`,
      );
    return this.exclusive(app, async () => {
      const deploymentId = `dep-${runId}`;
      // What deciding needs, read side by side and once (the new task's start waits on all of it). Under the
      // app's lock nothing else changes what serves.
      const [existing, state, latest] = await Promise.all([
        this.store.readDeployment(app, deploymentId),
        this.store.readService(app),
        this.store.latestTaskDefinition(app),
      ]);
      if (existing) return toDeployment(existing);
      const unchanged = await this.alreadyServing(request, state);
      if (unchanged) return unchanged;
      // A secret without a value would fail every container: say so now, before anything is registered or started.
      if (task) await this.launcher.resolveSecrets(app, task.secrets);
      const rendered = latest
        ? renderTaskDefinition(latest, service.container, image)
        : initialTaskDefinition(app, service.container, image, service.port);
      const { revision, arn } = await this.store.registerTaskDefinition(
        task ? withTaskSettings(rendered, service.container, task) : rendered,
        this.now(),
      );
      await this.proxyFor(app);
      const serving = state?.current;
      const record: DeploymentRecord = {
        deploymentId,
        runId,
        app,
        image,
        container: service.container,
        port: service.port,
        healthCheck: { ...service.healthCheck },
        revision,
        taskDefinition: arn,
        // Without settings, like UpdateService without desiredCount: the service keeps its count.
        desiredCount: task?.desiredCount ?? serving?.desiredCount ?? 1,
        ...(task ? { limits: { cpu: task.cpu, memory: task.memory } } : {}),
        state: 'IN_PROGRESS',
        createdAt: this.now().toISOString(),
      };
      await this.store.writeDeployment(record);
      this.rollouts.tell(record);
      this.rollouts.follow(record, this.lifetime.signal, { fresh: true });
      this.logger.info('deployment started', { app, deploymentId, revision, image, desiredCount: record.desiredCount });
      return toDeployment(record);
    });
  }

  async rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus> {
    const { app, deploymentId } = request;
    checkApp(app);
    if (!TOKEN.test(deploymentId)) throw new DeploymentNotFoundError(app, deploymentId);
    // Side by side: a run's wait ends on this answer (the engine's container list is the slow part).
    const [record, service, running] = await Promise.all([
      this.store.readDeployment(app, deploymentId),
      this.store.readService(app),
      this.launcher.running(deploymentId),
    ]);
    if (!record) throw new DeploymentNotFoundError(app, deploymentId);
    const url = urlOf(service);
    const runningCount = running.length;
    return {
      state: record.state,
      ...(record.reason ? { reason: record.reason } : {}),
      runningCount,
      desiredCount: record.desiredCount ?? 1,
      ...(url ? { url } : {}),
    };
  }

  async serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined> {
    checkApp(request.app);
    const state = await this.store.readService(request.app);
    const current = state?.current;
    if (!current) return undefined;
    // Only a revision with a container that runs is named as serving.
    const runningCount = (await this.launcher.running(current.deploymentId)).length;
    if (runningCount === 0) return undefined;
    const url = urlOf(state);
    const replacements = state.replacements ?? [];
    return {
      image: current.image,
      taskDefinition: current.taskDefinition,
      revision: current.revision,
      ...(url ? { url } : {}),
      runningCount,
      desiredCount: current.desiredCount,
      ...(replacements.length > 0 ? { replacements } : {}),
    };
  }

  /**
   * The serving revision when it already is exactly what `request` asks for — the image, the task settings and
   * count — with every task running and no rollout under way: deploying it would change nothing, as ECS would
   * register nothing new. Called under the app's lock, with `state` the service as deploy read it.
   */
  private async alreadyServing(
    { app, service, image, task }: DeployRequest,
    state: ServiceState | undefined,
  ): Promise<Deployment | undefined> {
    const current = state?.current;
    if (!current || current.image !== image || (task && current.desiredCount !== task.desiredCount)) return undefined;
    const running = (await this.launcher.running(current.deploymentId)).length;
    if (running === 0 || running !== current.desiredCount) return undefined;
    // Asked of the rollouts in flight, not of every deployment record on disk (one file per deploy ever made).
    if (this.rollouts.underWay(app)) return undefined;
    if (task) {
      const family = current.taskDefinition.split('/').pop()?.split(':')[0] ?? app;
      const definition = await this.store.taskDefinition(family, current.revision);
      if (!definition || !hasTaskSettings(definition, service.container, task)) return undefined;
    }
    const url = urlOf(state);
    return {
      deploymentId: current.deploymentId,
      taskDefinition: current.taskDefinition,
      revision: current.revision,
      unchanged: true,
      ...(url ? { url } : {}),
    };
  }

  /**
   * After a restart (of this process, the stack or the engine): reopen each app's proxy on its old port, keep the
   * serving revision's containers that still run, replace the ones that do not, and resume unfinished rollouts.
   */
  async start(): Promise<void> {
    if (this.lifetime.signal.aborted) this.lifetime = new AbortController();
    const signal = this.lifetime.signal;
    const inProgress = (await this.store.listDeployments()).filter((r) => r.state === 'IN_PROGRESS');
    for (const service of await this.store.listServices()) {
      await this.exclusive(service.app, () =>
        this.desired.restore(
          service.app,
          new Set(inProgress.filter((r) => r.app === service.app).map((r) => r.deploymentId)),
        ),
      );
    }
    for (const record of inProgress) this.rollouts.follow(record, signal);
    this.watching ??= this.desired.watch(signal).finally(() => (this.watching = undefined));
  }

  /** Close the proxies and stop waiting; with removeContainers, also remove every container labelled with this stack (and no other). */
  async stop(options: { removeContainers: boolean }): Promise<void> {
    this.lifetime.abort();
    await Promise.allSettled([...this.rollouts.inFlight(), ...this.desired.inFlight(), this.watching]);
    // A rollout that ended just now may have started its clean-up meanwhile (at once, the delay aborted).
    await Promise.allSettled(this.rollouts.inFlight());
    const proxies = await Promise.allSettled(this.proxies.values());
    this.proxies.clear();
    this.rollouts.reset();
    this.desired.reset();
    await Promise.all(proxies.map((p) => (p.status === 'fulfilled' ? p.value.close() : undefined)));
    if (!options.removeContainers) return;
    const containers = await this.docker.list({ [LABEL.stack]: this.stack });
    await this.docker.remove(containers.map((c) => c.id));
    // What served stays recorded: the next start() brings it back.
    for (const record of await this.store.listDeployments()) {
      if (record.state === 'IN_PROGRESS') await this.rollouts.fail(record, { kind: 'stopped' }, this.lifetime.signal);
    }
  }

  /** The app's proxy, opened once: on the port it had before when that port is free, so the URL survives restarts. */
  private proxyFor(app: string): Promise<AppProxy> {
    const existing = this.proxies.get(app);
    if (existing) return existing;
    const opened = (async () => {
      const service: ServiceState = (await this.store.readService(app)) ?? { app };
      let proxy = new AppProxy(app);
      let port: number;
      try {
        port = await proxy.listen(service.proxyPort ?? 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || service.proxyPort === undefined) throw error;
        this.logger.warn('proxy port taken, the app URL changes', { app, port: service.proxyPort });
        proxy = new AppProxy(app);
        port = await proxy.listen(0);
      }
      proxy.setTargets(service.current?.tasks.map((t) => t.hostPort) ?? []);
      if (port !== service.proxyPort) await this.store.writeService({ ...service, proxyPort: port });
      return proxy;
    })();
    this.proxies.set(app, opened);
    opened.catch(() => this.proxies.delete(app));
    return opened;
  }

  /** One step at a time per app: revisions are numbered and the proxy switched in a well-defined order. */
  private async exclusive<T>(app: string, step: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(app) ?? Promise.resolve();
    const result = previous.then(step);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(app, settled);
    try {
      return await result;
    } finally {
      if (this.locks.get(app) === settled) this.locks.delete(app);
    }
  }
}

function checkApp(app: string): void {
  if (!APP.test(app))
    throw new InvalidInputError(
      `Invalid app name "${app}": use lower-case letters, digits and "-", starting with a letter.`,
    );
}

function toDeployment(record: DeploymentRecord): Deployment {
  return { deploymentId: record.deploymentId, taskDefinition: record.taskDefinition, revision: record.revision };
}
