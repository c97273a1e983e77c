import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../../domain/errors.ts';
import { initialTaskDefinition, renderTaskDefinition } from '../../../domain/task-definition.ts';
import type { ContainerService, DeployRequest, Deployment, RolloutStatus, ServiceRef, ServingVersion } from '../../../ports/container-service.ts';
import type { Logger } from '../../../ports/logger.ts';
import { DockerCli, LABEL } from './docker.ts';
import { DeploymentNotFoundError } from '../../../ports/container-service.ts';
import { DockerCommandError } from './errors.ts';
import { failureReason, type Failure } from './failure-reason.ts';
import { AppProxy } from './proxy.ts';
import { StateStore, type DeploymentRecord, type ServiceState } from './state-store.ts';
import { waitUntilHealthy } from './wait-until-healthy.ts';
import { DEFAULT_DOCKER } from '../docker-binary.ts';

/** How long a replaced container may keep answering the requests it had accepted before it is removed. */
const DRAIN_MS = 5_000;

export interface DockerContainerServiceOptions {
  /** Where task-definition revisions, service ports and deployments are kept (`.slipway/ecs` in the local stack). */
  stateDir: string;
  /** Value of the `slipway.stack` label on every container this stack starts; stop() removes exactly those. */
  stack: string;
  /** Docker client binary; Debian's `/usr/bin/docker` matches Debian's engine. */
  docker?: string;
  now?: () => Date;
  /** Pause between two health checks of a new container. */
  pollMs?: number;
  logger?: Logger;
}

const APP = /^[a-z][a-z0-9-]{0,39}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LOG_LINES = 10;
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The local ECS Fargate service behind a load balancer: each app is labelled containers on the local Docker engine
 * plus one long-lived reverse proxy whose URL never changes. A deploy registers a task-definition revision, starts
 * its container, and in the background (as the ECS control plane would) waits for the health check, switches the
 * proxy over and removes the old containers — or fails, removes the new container, and leaves the old one serving.
 */
export class DockerContainerService implements ContainerService {
  private readonly docker: DockerCli;
  private readonly store: StateStore;
  private readonly stack: string;
  private readonly now: () => Date;
  private readonly pollMs: number;
  private readonly logger: Logger;
  private readonly proxies = new Map<string, Promise<AppProxy>>();
  private readonly rollouts = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<void>>();
  private lifetime = new AbortController();

  constructor(options: DockerContainerServiceOptions) {
    if (!TOKEN.test(options.stack)) throw new InvalidInputError(`Invalid stack label "${options.stack}": use letters, digits, ".", "_" and "-" (up to 128).`);
    if (options.pollMs !== undefined && !(options.pollMs > 0)) throw new InvalidInputError(`pollMs must be a positive number of milliseconds, got ${options.pollMs}.`);
    this.docker = new DockerCli(options.docker ?? DEFAULT_DOCKER);
    this.store = new StateStore(options.stateDir);
    this.stack = options.stack;
    this.now = options.now ?? (() => new Date());
    this.pollMs = options.pollMs ?? 500;
    this.logger = options.logger ?? silent;
  }

  async deploy(request: DeployRequest): Promise<Deployment> {
    const { app, runId, service, image } = request;
    checkApp(app);
    if (!TOKEN.test(runId)) throw new InvalidInputError(`Invalid runId "${runId}": expected a ULID.`);
    if (this.lifetime.signal.aborted) throw new InvalidInputError(`The local container service was stopped; start() it again before deploying app "${app}".`);
    return this.exclusive(app, async () => {
      const deploymentId = `dep-${runId}`;
      const existing = await this.store.readDeployment(app, deploymentId);
      if (existing) return toDeployment(existing);
      const latest = await this.store.latestTaskDefinition(app);
      const input = latest ? renderTaskDefinition(latest, service.container, image) : initialTaskDefinition(app, service.container, image, service.port);
      const { revision, arn } = await this.store.registerTaskDefinition(input, this.now());
      await this.proxyFor(app);
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
        state: 'IN_PROGRESS',
        createdAt: this.now().toISOString(),
      };
      await this.store.writeDeployment(record);
      this.follow(record);
      this.logger.info('deployment started', { app, deploymentId, revision, image });
      return toDeployment(record);
    });
  }

  async rollout(request: { app: string; service: ServiceRef; deploymentId: string }): Promise<RolloutStatus> {
    const { app, deploymentId } = request;
    checkApp(app);
    const record = TOKEN.test(deploymentId) ? await this.store.readDeployment(app, deploymentId) : undefined;
    if (!record) throw new DeploymentNotFoundError(app, deploymentId);
    const url = urlOf(await this.store.readService(app));
    const runningCount = record.state === 'COMPLETED' || (record.state === 'IN_PROGRESS' && record.running) ? 1 : 0;
    return { state: record.state, ...(record.reason ? { reason: record.reason } : {}), runningCount, desiredCount: 1, ...(url ? { url } : {}) };
  }

  async serving(request: { app: string; service: ServiceRef }): Promise<ServingVersion | undefined> {
    checkApp(request.app);
    const state = await this.store.readService(request.app);
    const current = state?.current;
    if (!current || !(await this.docker.state(current.containerId))?.running) return undefined;
    const url = urlOf(state);
    return { image: current.image, taskDefinition: current.taskDefinition, revision: current.revision, ...(url ? { url } : {}) };
  }

  /** After a restart: reopen each app's proxy on its old port, pointing at its running container, and resume unfinished rollouts. */
  async start(): Promise<void> {
    if (this.lifetime.signal.aborted) this.lifetime = new AbortController();
    for (const service of await this.store.listServices()) {
      const running = (await this.docker.list({ [LABEL.stack]: this.stack, [LABEL.app]: service.app })).filter((c) => c.running);
      const pick = running.find((c) => c.id === service.current?.containerId) ?? running.sort((a, b) => b.revision - a.revision)[0];
      if (!pick) continue;
      const record = await this.store.readDeployment(service.app, pick.deployment);
      if (!record) continue;
      const hostPort = await this.docker.hostPort(pick.id, record.port);
      const current = { containerId: pick.id, hostPort, revision: record.revision, image: record.image, taskDefinition: record.taskDefinition, deploymentId: record.deploymentId };
      await this.exclusive(service.app, async () => {
        const latest = (await this.store.readService(service.app)) ?? service;
        await this.store.writeService({ ...latest, current });
        (await this.proxyFor(service.app)).setTarget(hostPort);
      });
    }
    for (const record of await this.store.listDeployments()) this.follow(record);
  }

  /** Close the proxies and stop waiting; with removeContainers, also remove every container labelled with this stack (and no other). */
  async stop(options: { removeContainers: boolean }): Promise<void> {
    this.lifetime.abort();
    await Promise.allSettled(this.rollouts.values());
    const proxies = await Promise.allSettled(this.proxies.values());
    this.proxies.clear();
    await Promise.all(proxies.map((p) => (p.status === 'fulfilled' ? p.value.close() : undefined)));
    if (!options.removeContainers) return;
    const containers = await this.docker.list({ [LABEL.stack]: this.stack });
    await this.docker.remove(containers.map((c) => c.id));
    for (const service of await this.store.listServices()) {
      const { current: _gone, ...rest } = service;
      await this.store.writeService(rest);
    }
    for (const record of await this.store.listDeployments()) {
      if (record.state === 'IN_PROGRESS') await this.finishFailed(record, { kind: 'stopped' }, []);
    }
  }

  /** Runs a rollout in the background once per deployment, for as long as this service is started. */
  private follow(record: DeploymentRecord): void {
    const key = `${record.app}/${record.deploymentId}`;
    if (record.state !== 'IN_PROGRESS' || this.lifetime.signal.aborted || this.rollouts.has(key)) return;
    const signal = this.lifetime.signal;
    const done = this.roll(record, signal)
      .catch(async (error: unknown) => {
        if (signal.aborted) return;
        this.logger.error('rollout failed unexpectedly', { app: record.app, deploymentId: record.deploymentId, error: String(error) });
        await this.finishFailed(record, { kind: 'error', error: error instanceof Error ? error.message : String(error) }, []).catch(() => undefined);
      })
      .finally(() => this.rollouts.delete(key));
    this.rollouts.set(key, done);
  }

  private async roll(record: DeploymentRecord, signal: AbortSignal): Promise<void> {
    const labels = { [LABEL.stack]: this.stack, [LABEL.deployment]: record.deploymentId };
    let containerId = record.containerId ?? (await this.docker.list(labels))[0]?.id;
    if (!containerId) {
      try {
        containerId = await this.startContainer(record);
      } catch (error) {
        if (!(error instanceof DockerCommandError)) throw error;
        return this.finishFailed(record, { kind: 'not-started', error: error.stderr }, []);
      }
    }
    if (record.containerId !== containerId) {
      Object.assign(record, { containerId, containerStartedAt: this.now().toISOString(), running: true });
      await this.store.writeDeployment(record);
    }
    const startedAt = Date.parse(record.containerStartedAt ?? record.createdAt);
    const outcome = await waitUntilHealthy({
      docker: this.docker,
      containerId,
      port: record.port,
      path: record.healthCheck.path,
      deadline: startedAt + record.healthCheck.timeoutSeconds * 1000,
      now: this.now,
      pollMs: this.pollMs,
      signal,
      supersededBy: async () => {
        const revision = (await this.store.readService(record.app))?.current?.revision;
        return revision !== undefined && revision > record.revision ? revision : undefined;
      },
    });
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'healthy') return this.promote(record, containerId, outcome.hostPort);
    const logs = outcome.kind === 'exited' || outcome.kind === 'timeout' ? await this.docker.tailLogs(containerId, LOG_LINES).catch(() => []) : [];
    await this.finishFailed(record, outcome, logs);
  }

  private async startContainer(record: DeploymentRecord): Promise<string> {
    const definition = await this.store.taskDefinition(record.app, record.revision);
    const container = definition?.containerDefinitions?.find((c) => c.name === record.container);
    const env = Object.fromEntries((container?.environment ?? []).flatMap((e) => (e.name ? [[e.name, e.value ?? '']] : [])));
    return this.docker.run({
      name: `slipway-${record.app}-r${record.revision}-${randomBytes(3).toString('hex')}`,
      image: record.image,
      labels: {
        [LABEL.stack]: this.stack,
        [LABEL.app]: record.app,
        [LABEL.revision]: String(record.revision),
        [LABEL.deployment]: record.deploymentId,
        [LABEL.run]: record.runId,
      },
      port: record.port,
      env,
      ...(container?.entryPoint ? { entryPoint: container.entryPoint } : {}),
      ...(container?.command ? { command: container.command } : {}),
    });
  }

  /** Healthy: point the proxy at the new container, report COMPLETED, then remove the older ones. */
  private async promote(record: DeploymentRecord, containerId: string, hostPort: number): Promise<void> {
    await this.exclusive(record.app, async () => {
      const service: ServiceState = (await this.store.readService(record.app)) ?? { app: record.app };
      if (service.current && service.current.revision > record.revision) {
        await this.finishFailed(record, { kind: 'superseded', revision: service.current.revision }, []);
        return;
      }
      const proxy = await this.proxyFor(record.app);
      const previousPort = proxy.target;
      proxy.setTarget(hostPort);
      const current = { containerId, hostPort, revision: record.revision, image: record.image, taskDefinition: record.taskDefinition, deploymentId: record.deploymentId };
      await this.store.writeService({ ...service, proxyPort: proxy.port, current });
      // The URL serves the new version from here on: report it, then retire the old containers
      // (still inside this app's lock, so the next deploy never races the clean-up).
      Object.assign(record, { state: 'COMPLETED', running: true, finishedAt: this.now().toISOString() });
      await this.store.writeDeployment(record);
      this.logger.info('deployment completed', { app: record.app, deploymentId: record.deploymentId, revision: record.revision });
      // Requests the old version had already accepted finish first (a load balancer's deregistration delay).
      if (previousPort !== undefined && previousPort !== hostPort) await proxy.drain(previousPort, DRAIN_MS);
      const older = (await this.docker.list({ [LABEL.stack]: this.stack, [LABEL.app]: record.app })).filter((c) => c.id !== containerId && c.revision < record.revision);
      await this.docker.remove(older.map((c) => c.id));
    });
  }

  /** Failed: keep the last log lines in the reason, remove the new container, leave whatever served serving. */
  private async finishFailed(record: DeploymentRecord, failure: Failure, logs: string[]): Promise<void> {
    const own = await this.docker.list({ [LABEL.stack]: this.stack, [LABEL.deployment]: record.deploymentId }).catch(() => []);
    await this.docker.remove(own.map((c) => c.id)).catch(() => undefined);
    const service = await this.store.readService(record.app);
    // Only a container that still runs may be named as serving.
    const current = service?.current && (await this.docker.state(service.current.containerId).catch(() => undefined))?.running ? service.current : undefined;
    const reason = failureReason(record, failure, logs, current, urlOf(service));
    Object.assign(record, { state: 'FAILED', running: false, reason, finishedAt: this.now().toISOString() });
    await this.store.writeDeployment(record);
    this.logger.warn('deployment failed', { app: record.app, deploymentId: record.deploymentId, reason });
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
      proxy.setTarget(service.current?.hostPort);
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
  if (!APP.test(app)) throw new InvalidInputError(`Invalid app name "${app}": use lower-case letters, digits and "-", starting with a letter.`);
}

function toDeployment(record: DeploymentRecord): Deployment {
  return { deploymentId: record.deploymentId, taskDefinition: record.taskDefinition, revision: record.revision };
}

function urlOf(service: ServiceState | undefined): string | undefined {
  return service?.proxyPort === undefined ? undefined : `http://127.0.0.1:${service.proxyPort}`;
}
