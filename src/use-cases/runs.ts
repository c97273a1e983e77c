import { appConfig } from '../domain/config.ts';
import { RunNotFoundError, InvalidInputError } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import { runSummary, runView, type RunSummary, type RunView } from '../domain/run-view.ts';
import type { Dependencies } from './dependencies.ts';

/** `listRuns({ app: 'hello', limit: 20 })` → runs, newest first. */
export async function listRuns(
  query: { app?: string; limit?: string | number },
  deps: Pick<Dependencies, 'workflow'>,
): Promise<RunSummary[]> {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new InvalidInputError(`limit must be a whole number from 1 to 100 (got "${query.limit}").`);
  return (await deps.workflow.list({ ...(query.app && { app: query.app }), limit })).map(runSummary);
}

/** `getRun('01J…')` → the run view derived from the execution history; RunNotFoundError when there is none. */
export async function getRun(runId: string, deps: Pick<Dependencies, 'workflow'>): Promise<RunView> {
  return (await watchRun(runId, { waitMs: 0 }, deps)).run;
}

/** A run view with the version of the history it was derived from. */
export interface WatchedRun {
  run: RunView;
  /** Changes whenever the view may: the history's event count and status. */
  version: string;
  /** Whether the workflow can wait for a change (the local stack's); without it the answer is immediate. */
  waits: boolean;
}

/**
 * `watchRun('01J…', { seen: '12-RUNNING', waitMs: 20_000 })` → the run view once its version differs from
 * `seen` — at once when it already does — or after `waitMs` as it is: a client long-polls instead of
 * asking again and again. A run that has not started yet (its upload's event is on its way) is waited
 * for too, up to waitMs, then RunNotFoundError. A workflow that cannot wait for changes answers at once.
 */
export async function watchRun(
  runId: string,
  options: { seen?: string; waitMs: number },
  deps: Pick<Dependencies, 'workflow'>,
): Promise<WatchedRun> {
  if (!isRunId(runId))
    throw new InvalidInputError(`"${runId}" is not a run id (a 26-character ULID such as 01JDQ8ZV7N2W4Y6A8C0E2G4J6M).`);
  const waits = deps.workflow.changed !== undefined;
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const history = await deps.workflow.history(runId);
    const remaining = deadline - Date.now();
    if (!history) {
      if (!deps.workflow.changed || remaining <= 0) throw new RunNotFoundError(runId);
      await deps.workflow.changed(runId, 0, remaining);
      continue;
    }
    const version = `${history.events.length}-${history.status}`;
    if (version !== options.seen || !deps.workflow.changed || remaining <= 0)
      return { run: runView(history), version, waits };
    await deps.workflow.changed(runId, history.events.length, remaining);
  }
}

/** A rollout's counts as the service tells them now: `1/2`. */
export type RolloutProgress = `${number}/${number}`;

/**
 * While a run waits for its rollout, the history only has the counts from when the wait began (a state is
 * recorded when it ends): `withRolloutProgress(view, deps)` asks the service for the deployment's counts now
 * (ECS DescribeServices in AWS), so the CLI and the dashboard show `1/2 running` as tasks start. Any other
 * run comes back as it is, as does this one when the service cannot tell (the view never fails for it).
 */
export async function withRolloutProgress(
  run: RunView,
  deps: Pick<Dependencies, 'config' | 'containers' | 'logger'>,
): Promise<{ run: RunView; progress?: RolloutProgress }> {
  const deployment = run.deployment;
  const rollout = run.steps.find((step) => step.name === 'rollout');
  if (run.status !== 'RUNNING' || rollout?.status !== 'RUNNING' || deployment?.state !== 'IN_PROGRESS') return { run };
  try {
    const service = appConfig(deps.config, run.app).service;
    const now = await deps.containers.rollout({ app: run.app, service, deploymentId: deployment.id });
    return {
      run: { ...run, deployment: { ...deployment, runningCount: now.runningCount, desiredCount: now.desiredCount } },
      progress: `${now.runningCount}/${now.desiredCount}`,
    };
  } catch (error) {
    deps.logger.warn("could not read the rollout's progress", {
      runId: run.id,
      app: run.app,
      deploymentId: deployment.id,
      error: String(error),
    });
    return { run };
  }
}
