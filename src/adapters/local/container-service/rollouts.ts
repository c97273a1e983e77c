import { setTimeout as delay } from 'node:timers/promises';
import { InvalidInputError } from '../../../domain/errors.ts';
import type { RolloutState } from '../../../ports/container-service.ts';
import { LABEL } from './docker.ts';
import { DockerCommandError, InvalidSecretsFileError, SecretNotFoundError } from './errors.ts';
import { failureReason, type Failure } from './failure-reason.ts';
import type { AppProxy } from './proxy.ts';
import { redact } from './secrets.ts';
import type { ServiceParts } from './service-parts.ts';
import type { CurrentVersion, DeploymentRecord, ServiceState, Task } from './state-store.ts';
import { urlOf } from './urls.ts';

/** How long a replaced container may keep answering the requests it had accepted before it is removed. */
const DRAIN_MS = 5_000;
/**
 * How long a replaced container is kept, out of the URL, before it is stopped: a load balancer's deregistration
 * delay, shortened. Stopping a container is the engine's heaviest work after starting one (~150 ms of this
 * machine's two cores); done at once, it ran beside the run's last hand-offs (the COMPLETED event, the wake,
 * the resume, the CLI's answer) and slowed each of them: from the rollout's end to the CLI's exit took
 * together 30 ms, then 19 ms with the stop a moment later (`npm run bench`, medians of 9).
 */
export const DEREGISTRATION_DELAY_MS = 250;
/** The last lines of a failed container's output kept in the deployment's reason. */
const LOG_LINES = 10;

/** A deployment that started (IN_PROGRESS), completed or failed. */
export interface DeploymentChange {
  app: string;
  deploymentId: string;
  state: RolloutState;
  reason?: string;
}

export interface RolloutsOptions extends ServiceParts {
  /** The app's proxy if it is open, without opening one. */
  openedProxy: (app: string) => Promise<AppProxy | undefined>;
  /** Told when a deployment starts, completes or fails (ECS's "Deployment State Change" events). */
  onDeploymentChange: (change: DeploymentChange) => void;
  /** Default DEREGISTRATION_DELAY_MS. */
  deregistrationDelayMs?: number;
}

/**
 * What the ECS control plane does with a deployment once UpdateService has returned, in the background: start the
 * new revision's containers, put each behind the app's proxy once healthy, make the revision the serving one and
 * retire the old containers — or fail, remove the new ones and leave the old ones serving; and tell each change.
 */
export class Rollouts {
  private readonly running = new Map<string, Promise<void>>();
  /** Clean-ups of rollouts that have ended: not under way (the new revision serves), but still work to await. */
  private readonly retiring = new Set<Promise<void>>();
  /** Per app: the proxy ports rollouts in progress have added, with their revision (not yet the serving revision's). */
  private readonly surge = new Map<string, Map<number, number>>();

  constructor(private readonly options: RolloutsOptions) {}

  /** The rollouts under way and the clean-ups after them (each settles when it ends). */
  inFlight(): Promise<void>[] {
    return [...this.running.values(), ...this.retiring];
  }

  /** Whether a rollout of `app` is under way: every IN_PROGRESS deployment is followed from deploy or start(). */
  underWay(app: string): boolean {
    return [...this.running.keys()].some((key) => key.startsWith(`${app}/`));
  }

  /** Forget the ports rollouts had added (the proxies are closed). */
  reset(): void {
    this.surge.clear();
  }

  /**
   * Runs the rollout of `record` in the background, once per deployment, until it ends or `signal` aborts.
   * `fresh`: the deployment was created just now, so no container of it can exist yet (not a restart's resume).
   */
  follow(record: DeploymentRecord, signal: AbortSignal, options: { fresh?: boolean } = {}): void {
    const key = `${record.app}/${record.deploymentId}`;
    if (record.state !== 'IN_PROGRESS' || signal.aborted || this.running.has(key)) return;
    const done = this.roll(record, signal, Boolean(options.fresh))
      .catch(async (error: unknown) => {
        if (signal.aborted) return;
        // A deployment that has ended stays as it ended: a COMPLETED one serves, and failing it now would
        // remove the containers that serve.
        if (record.state !== 'IN_PROGRESS') {
          this.options.logger.warn('error after the rollout ended', {
            app: record.app,
            deploymentId: record.deploymentId,
            state: record.state,
            error: String(error),
          });
          return;
        }
        this.options.logger.error('rollout failed unexpectedly', {
          app: record.app,
          deploymentId: record.deploymentId,
          error: String(error),
        });
        await this.fail(
          record,
          { kind: 'error', error: error instanceof Error ? error.message : String(error) },
          signal,
        ).catch(() => undefined);
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, done);
  }

  /**
   * One task at a time, as ECS with minimumHealthyPercent 100 and maximumPercent 200: start a new container, wait
   * until it is healthy, put it behind the URL, next. The old containers keep serving until every new one does, so
   * at least desiredCount healthy containers serve throughout, and a failure at any step leaves all of them serving.
   */
  private async roll(record: DeploymentRecord, signal: AbortSignal, fresh: boolean): Promise<void> {
    const desired = record.desiredCount ?? 1;
    const serving: Task[] = [];
    const secretValues: string[] = [];
    // Resuming after a restart: this rollout's containers that still run are checked again, the others go.
    // A fresh deployment has none: not asking the engine starts its first container sooner.
    const own = fresh
      ? []
      : await this.options.docker.list({
          [LABEL.stack]: this.options.stack,
          [LABEL.deployment]: record.deploymentId,
        });
    await this.options.docker.remove(own.filter((c) => !c.running).map((c) => c.id));
    const resumable = own.filter((c) => c.running).map((c) => c.id);
    while (serving.length < desired) {
      let containerId = resumable.shift();
      if (!containerId) {
        try {
          const started = await this.options.launcher.start(record);
          containerId = started.id;
          secretValues.push(...started.secretValues);
        } catch (error) {
          // A secret without a usable value: no container of this revision can start.
          if (
            error instanceof SecretNotFoundError ||
            error instanceof InvalidSecretsFileError ||
            error instanceof InvalidInputError
          )
            return this.fail(record, { kind: 'secret', error: error.message }, signal, [], serving);
          if (!(error instanceof DockerCommandError)) throw error;
          return this.fail(record, { kind: 'not-started', error: error.stderr }, signal, [], serving);
        }
      }
      let startedAt = record.started?.find((s) => s.containerId === containerId)?.startedAt;
      if (!startedAt) {
        startedAt = this.options.now().toISOString();
        record.started = [...(record.started ?? []), { containerId, startedAt }];
        await this.options.store.writeDeployment(record);
      }
      const outcome = await this.options.launcher.waitHealthy(
        record,
        containerId,
        Date.parse(startedAt),
        signal,
        async () => {
          const revision = (await this.options.store.readService(record.app))?.current?.revision;
          return revision !== undefined && revision > record.revision ? revision : undefined;
        },
      );
      if (outcome.kind === 'aborted') return;
      if (outcome.kind !== 'healthy') {
        const logs =
          outcome.kind === 'exited' || outcome.kind === 'timeout'
            ? await this.options.docker.tailLogs(containerId, LOG_LINES).catch(() => [])
            : [];
        return this.fail(
          record,
          outcome,
          signal,
          logs.map((line) => redact(line, secretValues)),
          serving,
        );
      }
      const task = { containerId, hostPort: outcome.hostPort };
      serving.push(task);
      const newer = await this.options.exclusive(record.app, async () => {
        const current = (await this.options.store.readService(record.app))?.current;
        if (current && current.revision > record.revision) return current.revision;
        (await this.options.proxyFor(record.app)).addTarget(task.hostPort);
        this.surgeOf(record.app).set(task.hostPort, record.revision);
        return undefined;
      });
      if (newer !== undefined) return this.fail(record, { kind: 'superseded', revision: newer }, signal, [], serving);
    }
    const replaced = await this.promote(record, serving, signal);
    if (!replaced) return;
    const retiring = this.retire(record, replaced, signal).finally(() => this.retiring.delete(retiring));
    this.retiring.add(retiring);
  }

  /**
   * Every new container is healthy: make its revision the serving one, report COMPLETED and take the older
   * containers out of the URL. → What retire() stops next (undefined when a newer revision took over first).
   */
  private async promote(
    record: DeploymentRecord,
    tasks: Task[],
    signal: AbortSignal,
  ): Promise<{ ports: number[]; kept: Set<string> } | undefined> {
    return this.options.exclusive(record.app, async () => {
      const service: ServiceState = (await this.options.store.readService(record.app)) ?? { app: record.app };
      if (service.current && service.current.revision > record.revision) {
        await this.fail(record, { kind: 'superseded', revision: service.current.revision }, signal, [], tasks);
        return undefined;
      }
      const proxy = await this.options.proxyFor(record.app);
      const surge = this.surgeOf(record.app);
      const ports = new Set(tasks.map((t) => t.hostPort));
      for (const port of ports) {
        proxy.addTarget(port);
        surge.delete(port);
      }
      const current: CurrentVersion = {
        revision: record.revision,
        image: record.image,
        taskDefinition: record.taskDefinition,
        deploymentId: record.deploymentId,
        desiredCount: record.desiredCount ?? 1,
        tasks,
      };
      await this.options.store.writeService({ ...service, proxyPort: proxy.port, current });
      // The URL serves the new version from here on: report it, then take the old containers out of the URL.
      Object.assign(record, { state: 'COMPLETED', finishedAt: this.options.now().toISOString() });
      await this.options.store.writeDeployment(record);
      this.tell(record);
      this.options.logger.info('deployment completed', {
        app: record.app,
        deploymentId: record.deploymentId,
        revision: record.revision,
        runningCount: tasks.length,
      });
      const retired = proxy.targets.filter((port) => !ports.has(port) && (surge.get(port) ?? 0) < record.revision);
      for (const port of retired) proxy.removeTarget(port);
      return { ports: retired, kept: new Set(tasks.map((t) => t.containerId)) };
    });
  }

  /**
   * Stops the containers of older revisions once the requests they had accepted have finished and the
   * deregistration delay has passed; at once when the stack stops. Neither under the app's lock nor a rollout
   * under way, so a deploy right after neither waits for it nor takes the service for moving: it only removes
   * revisions older than `record`'s, which nothing newer serves or starts, and a container another clean-up
   * removes first counts as removed. Never throws.
   */
  private async retire(
    record: DeploymentRecord,
    replaced: { ports: number[]; kept: Set<string> },
    signal: AbortSignal,
  ): Promise<void> {
    const proxy = await this.options.openedProxy(record.app);
    await Promise.all([
      ...replaced.ports.map((port) => proxy?.drain(port, DRAIN_MS)),
      delay(this.options.deregistrationDelayMs ?? DEREGISTRATION_DELAY_MS, undefined, { signal }).catch(
        () => undefined,
      ),
    ]);
    // Best effort: the new revision serves whatever becomes of the old containers (out of the proxy, one left
    // behind serves nothing, and goes with the stack).
    await this.options.docker
      .list({ [LABEL.stack]: this.options.stack, [LABEL.app]: record.app })
      .then((all) =>
        this.options.docker.remove(
          all.filter((c) => !replaced.kept.has(c.id) && c.revision < record.revision).map((c) => c.id),
        ),
      )
      .catch((error: unknown) =>
        this.options.logger.warn('could not remove the replaced containers', {
          app: record.app,
          revision: record.revision,
          error: String(error),
        }),
      );
  }

  /**
   * Failed: take this rollout's containers out of the URL and remove them, keep the last log lines in the reason,
   * leave whatever served serving. Once `signal` has aborted (the stack stops), requests are not waited for.
   */
  async fail(
    record: DeploymentRecord,
    failure: Failure,
    signal: AbortSignal,
    logs: string[] = [],
    added: readonly Task[] = [],
  ): Promise<void> {
    const proxy = await this.options.openedProxy(record.app);
    for (const task of added) {
      proxy?.removeTarget(task.hostPort);
      this.surge.get(record.app)?.delete(task.hostPort);
    }
    if (proxy && !signal.aborted) await Promise.all(added.map((task) => proxy.drain(task.hostPort, DRAIN_MS)));
    const own = await this.options.docker
      .list({ [LABEL.stack]: this.options.stack, [LABEL.deployment]: record.deploymentId })
      .catch(() => []);
    await this.options.docker.remove(own.map((c) => c.id)).catch(() => undefined);
    const service = await this.options.store.readService(record.app);
    // Only a revision with a container that still runs may be named as serving.
    const current =
      service?.current && (await this.options.launcher.running(service.current.deploymentId).catch(() => [])).length > 0
        ? service.current
        : undefined;
    const reason = failureReason(record, failure, logs, current, urlOf(service));
    Object.assign(record, { state: 'FAILED', reason, finishedAt: this.options.now().toISOString() });
    await this.options.store.writeDeployment(record);
    this.tell(record);
    this.options.logger.warn('deployment failed', { app: record.app, deploymentId: record.deploymentId, reason });
  }

  /** Tell the listener what the record now says (written first: whoever looks on hearing it reads the same). */
  tell(record: DeploymentRecord): void {
    try {
      this.options.onDeploymentChange({
        app: record.app,
        deploymentId: record.deploymentId,
        state: record.state,
        ...(record.reason !== undefined && { reason: record.reason }),
      });
    } catch (error) {
      this.options.logger.warn('deployment listener failed', { app: record.app, error: String(error) });
    }
  }

  private surgeOf(app: string): Map<number, number> {
    const existing = this.surge.get(app);
    if (existing) return existing;
    const created = new Map<number, number>();
    this.surge.set(app, created);
    return created;
  }
}
