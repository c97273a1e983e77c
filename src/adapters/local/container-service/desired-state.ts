import { setTimeout as delay } from 'node:timers/promises';
import { InvalidInputError } from '../../../domain/errors.ts';
import type { TaskReplacement } from '../../../ports/container-service.ts';
import type { Logger } from '../../../ports/logger.ts';
import { LABEL, type DockerCli } from './docker.ts';
import { DockerCommandError, InvalidSecretsFileError, SecretNotFoundError } from './errors.ts';
import { probeHealth } from './health.ts';
import { redact } from './secrets.ts';
import type { DeploymentRecord, StateStore, Task } from './state-store.ts';
import type { ServiceParts } from './service-parts.ts';
import type { TaskLauncher } from './task-launcher.ts';
import type { WaitOutcome } from './wait-until-healthy.ts';

/** The replaced tasks a service remembers (ECS keeps its latest 100 service events). */
const KEPT_REPLACEMENTS = 20;
/** Longest pause between two attempts to replace a task whose replacements keep failing. */
const MAX_BACKOFF_MS = 60_000;
/** Failed health checks in a row after which a serving task is replaced (a target group's unhealthy threshold). */
export const UNHEALTHY_THRESHOLD = 3;
/** How long one health check of a serving task may take. */
const PROBE_TIMEOUT_MS = 5_000;

export interface DesiredStateOptions extends ServiceParts {
  /** Pause between two looks at the serving containers. */
  watchMs: number;
}

/**
 * What the ECS service scheduler does between deploys: keep desiredCount tasks of the serving revision running.
 * A task that stops is taken out of the URL and replaced (with a growing pause while replacements keep failing),
 * and after a restart the serving revision's containers that still run are adopted and the missing ones started.
 */
export class DesiredState {
  private readonly docker: DockerCli;
  private readonly store: StateStore;
  private readonly stack: string;
  private readonly launcher: TaskLauncher;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly watchMs: number;
  private readonly exclusive: DesiredStateOptions['exclusive'];
  private readonly proxyFor: DesiredStateOptions['proxyFor'];
  /** Per app: replacements of stopped tasks under way. */
  private readonly healing = new Map<string, Set<Promise<void>>>();
  private readonly backoff = new Map<string, { until: number; failures: number }>();
  /** Per app: health checks failed in a row, by container id of a serving task. */
  private readonly failedChecks = new Map<string, Map<string, number>>();

  constructor(options: DesiredStateOptions) {
    ({
      docker: this.docker,
      store: this.store,
      stack: this.stack,
      launcher: this.launcher,
      now: this.now,
      logger: this.logger,
      watchMs: this.watchMs,
      exclusive: this.exclusive,
      proxyFor: this.proxyFor,
    } = options);
  }

  /** Replacements under way, for stop() to wait on (they end soon after the signal aborts). */
  inFlight(): Promise<void>[] {
    return [...this.healing.values()].flatMap((set) => [...set]);
  }

  /** Forget the pauses of failing replacements (a restarted stack tries again at once). */
  reset(): void {
    this.backoff.clear();
    this.failedChecks.clear();
  }

  /** At start(): adopt the serving revision's containers that still run; the rest of the app's containers are leftovers. */
  async restore(app: string, inProgress: ReadonlySet<string>): Promise<void> {
    const proxy = await this.proxyFor(app);
    const service = await this.store.readService(app);
    if (!service) return;
    const current = service.current;
    const containers = await this.docker.list({ [LABEL.stack]: this.stack, [LABEL.app]: app });
    const record = current && (await this.store.readDeployment(app, current.deploymentId));
    const adopted: Task[] = [];
    for (const c of containers) {
      if (
        !current ||
        !record ||
        c.deployment !== current.deploymentId ||
        !c.running ||
        adopted.length >= current.desiredCount
      )
        continue;
      const hostPort = await this.docker.hostPort(c.id, record.port).catch(() => undefined);
      if (hostPort !== undefined) adopted.push({ containerId: c.id, hostPort });
    }
    const keep = new Set([
      ...adopted.map((t) => t.containerId),
      ...containers.filter((c) => inProgress.has(c.deployment)).map((c) => c.id),
    ]);
    await this.docker.remove(containers.filter((c) => !keep.has(c.id)).map((c) => c.id));
    proxy.setTargets(adopted.map((t) => t.hostPort));
    if (!current) return;
    const adoptedIds = new Set(adopted.map((t) => t.containerId));
    const lost = current.tasks.filter((t) => !adoptedIds.has(t.containerId));
    const events = lost.map((t) =>
      this.replacementEvent(current.revision, t.containerId, 'it was not running when the local stack started'),
    );
    if (lost.length > 0)
      this.logger.info('restoring app', {
        app,
        revision: current.revision,
        running: adopted.length,
        desiredCount: current.desiredCount,
      });
    await this.store.writeService({
      ...service,
      current: { ...current, tasks: adopted },
      replacements: [...(service.replacements ?? []), ...events].slice(-KEPT_REPLACEMENTS),
    });
  }

  /** The desired-state loop: every watchMs, replace the serving containers that stopped or keep failing their health check. */
  async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const services = await this.store.listServices().catch(() => []);
      await Promise.all(
        services.map(({ app }) =>
          this.reconcile(app, signal).catch((error: unknown) =>
            this.logger.warn('could not check the tasks of an app', { app, error: String(error) }),
          ),
        ),
      );
      await delay(this.watchMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private async reconcile(app: string, signal: AbortSignal): Promise<void> {
    const unhealthy = await this.checkHealth(app, signal);
    const missing = await this.exclusive(app, async () => {
      const service = await this.store.readService(app);
      const current = service?.current;
      if (!service || !current || signal.aborted) return 0;
      const running = new Set((await this.launcher.running(current.deploymentId)).map((c) => c.id));
      const stopped = current.tasks.filter((t) => !running.has(t.containerId) || unhealthy.has(t.containerId));
      if (stopped.length > 0) {
        const proxy = await this.proxyFor(app);
        const events: TaskReplacement[] = [];
        for (const task of stopped) {
          proxy.removeTarget(task.hostPort);
          this.failedChecks.get(app)?.delete(task.containerId);
          // Ask the engine, whatever the last listing said: a killed container also fails its health checks,
          // and its exit is the better reason.
          const state = await this.docker.state(task.containerId).catch(() => undefined);
          const reason = !state
            ? 'the container was removed'
            : !state.running
              ? `the container exited with code ${state.exitCode}${state.oomKilled ? ' (killed: out of memory)' : ''}`
              : (unhealthy.get(task.containerId) ?? 'the container failed its health checks');
          events.push(this.replacementEvent(current.revision, task.containerId, reason));
          this.logger.warn('task stopped, starting a replacement', {
            app,
            revision: current.revision,
            container: shortId(task.containerId),
            reason,
          });
        }
        await this.docker.remove(stopped.map((t) => t.containerId));
        const tasks = current.tasks.filter((t) => !stopped.includes(t));
        await this.store.writeService({
          ...service,
          current: { ...current, tasks },
          replacements: [...(service.replacements ?? []), ...events].slice(-KEPT_REPLACEMENTS),
        });
        return current.desiredCount - tasks.length - (this.healing.get(app)?.size ?? 0);
      }
      return current.desiredCount - current.tasks.length - (this.healing.get(app)?.size ?? 0);
    });
    const backoff = this.backoff.get(app);
    if (missing <= 0 || (backoff && backoff.until > Date.now())) return;
    const healing = this.healing.get(app) ?? new Set<Promise<void>>();
    this.healing.set(app, healing);
    for (let i = 0; i < missing; i++) {
      const replacement: Promise<void> = this.replaceTask(app, signal)
        .catch((error: unknown) =>
          this.logger.error('task replacement failed unexpectedly', { app, error: String(error) }),
        )
        .finally(() => healing.delete(replacement));
      healing.add(replacement);
    }
  }

  /**
   * One health check of each serving task, as the load balancer's target group makes them, outside the app's lock
   * (a check may take seconds). Returns the tasks that failed UNHEALTHY_THRESHOLD checks in a row, with why.
   */
  private async checkHealth(app: string, signal: AbortSignal): Promise<Map<string, string>> {
    const unhealthy = new Map<string, string>();
    const current = (await this.store.readService(app))?.current;
    const record = current && (await this.store.readDeployment(app, current.deploymentId));
    if (!current || !record) return unhealthy;
    const counts = this.failedChecks.get(app) ?? new Map<string, number>();
    this.failedChecks.set(app, counts);
    await Promise.all(
      current.tasks.map(async ({ containerId, hostPort }) => {
        const probe = await probeHealth(
          `http://127.0.0.1:${hostPort}${record.healthCheck.path}`,
          PROBE_TIMEOUT_MS,
          signal,
        );
        if (signal.aborted) return;
        const failed = probe.healthy ? 0 : (counts.get(containerId) ?? 0) + 1;
        counts.set(containerId, failed);
        if (failed >= UNHEALTHY_THRESHOLD)
          unhealthy.set(
            containerId,
            `the container failed ${failed} health checks in a row (GET ${record.healthCheck.path}: ${probe.detail})`,
          );
      }),
    );
    // Forget the containers that serve no more (retired by a rollout, or replaced).
    const serving = new Set(current.tasks.map((t) => t.containerId));
    for (const id of counts.keys()) if (!serving.has(id)) counts.delete(id);
    return unhealthy;
  }

  /** Start one more container of the serving revision and, once healthy, put it behind the URL. */
  private async replaceTask(app: string, signal: AbortSignal): Promise<void> {
    const current = (await this.store.readService(app))?.current;
    const record = current && (await this.store.readDeployment(app, current.deploymentId));
    if (!current || !record) return;
    let started: { id: string; secretValues: string[] };
    try {
      started = await this.launcher.start(record);
    } catch (error) {
      if (!(
        error instanceof DockerCommandError ||
        error instanceof SecretNotFoundError ||
        error instanceof InvalidSecretsFileError ||
        error instanceof InvalidInputError
      ))
        throw error;
      return this.replacementFailed(
        app,
        record.revision,
        error instanceof DockerCommandError ? `the container did not start: ${error.stderr.trim()}` : error.message,
      );
    }
    const outcome = await this.launcher.waitHealthy(record, started.id, this.now().getTime(), signal, async () => {
      const now = (await this.store.readService(app))?.current;
      return now && now.deploymentId !== record.deploymentId ? now.revision : undefined;
    });
    if (outcome.kind === 'aborted') return;
    if (outcome.kind !== 'healthy') {
      await this.docker.remove([started.id]).catch(() => undefined);
      // A new revision took over while this one was starting: nothing failed, the rollout retires this revision.
      if (outcome.kind === 'superseded') return;
      return this.replacementFailed(
        app,
        record.revision,
        redact(describeOutcome(outcome, record), started.secretValues),
      );
    }
    this.backoff.delete(app);
    await this.exclusive(app, async () => {
      const service = await this.store.readService(app);
      const now = service?.current;
      if (!service || !now || now.deploymentId !== record.deploymentId || now.tasks.length >= now.desiredCount) {
        await this.docker.remove([started.id]);
        return;
      }
      (await this.proxyFor(app)).addTarget(outcome.hostPort);
      const replacements = service.replacements ?? [];
      const event = replacements.find((e) => e.revision === record.revision && e.started === undefined);
      if (event) Object.assign(event, { started: shortId(started.id) });
      await this.store.writeService({
        ...service,
        current: { ...now, tasks: [...now.tasks, { containerId: started.id, hostPort: outcome.hostPort }] },
        replacements,
      });
      this.logger.info('task replaced', { app, revision: record.revision, container: shortId(started.id) });
    });
  }

  private async replacementFailed(app: string, revision: number, failure: string): Promise<void> {
    const failures = (this.backoff.get(app)?.failures ?? 0) + 1;
    this.backoff.set(app, { failures, until: Date.now() + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (failures - 1)) });
    this.logger.warn('task replacement failed', { app, revision, failure });
    await this.exclusive(app, async () => {
      const service = await this.store.readService(app);
      const event = service?.replacements?.find((e) => e.revision === revision && e.started === undefined);
      if (!service || !event) return;
      event.failure = failure;
      await this.store.writeService(service);
    });
  }

  private replacementEvent(revision: number, containerId: string, reason: string): TaskReplacement {
    return { at: this.now().toISOString(), revision, stopped: shortId(containerId), reason };
  }
}

function shortId(containerId: string): string {
  return containerId.slice(0, 12);
}

/** Why a replacement container did not become healthy, in a few words. */
function describeOutcome(
  outcome: Exclude<WaitOutcome, { kind: 'healthy' } | { kind: 'aborted' }>,
  record: DeploymentRecord,
): string {
  switch (outcome.kind) {
    case 'exited':
      return `the replacement exited with code ${outcome.exitCode}${outcome.oomKilled ? ' (killed: out of memory)' : ''}`;
    case 'timeout':
      return `the replacement did not pass the health check GET ${record.healthCheck.path} within ${record.healthCheck.timeoutSeconds}s (last check: ${outcome.lastCheck})`;
    case 'gone':
      return 'the replacement was removed by someone else';
    case 'superseded':
      return `revision ${outcome.revision} serves now`;
  }
}
