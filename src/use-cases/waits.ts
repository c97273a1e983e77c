import { allApps, appConfig } from '../domain/config.ts';
import { InvalidInputError } from '../domain/errors.ts';
import type { RunState } from '../domain/run-state.ts';
import {
  appOfRolloutWaitKey,
  isRetried,
  parseWaitRecord,
  ROLLOUT_WAITS_PREFIX,
  rolloutWaitKey,
  waitIsOver,
  waitKey,
  type WaitKind,
  type WaitRecord,
} from '../domain/waits.ts';
import type { TaskOutcome } from '../ports/workflow.ts';
import type { Dependencies } from './dependencies.ts';

/**
 * Waiting without polling (the callback pattern). AwaitBuild and AwaitRollout hand their function
 * the run's state and the Task's token: `awaitEnd` records both under the wait's key, then looks
 * once (the build may have ended before the record existed). The event that may end the wait —
 * CodeBuild's Build State Change, ECS's Deployment State Change — runs `wake` for each key it
 * concerns, which looks again. Whoever finds the wait over resumes the run with the state (or the
 * failure) the look produced; the token is the claim: Step Functions closes a Task at its first
 * SendTaskSuccess or SendTaskFailure and answers any later one TaskTimedOut ("the task associated
 * with the token has already been closed"), so of two looks that end one wait, one resumes the run
 * and announces the end, and the other finds it over.
 */
export interface WaitLook {
  /** Look at the build or the rollout once (the check step): the state in, the state now out; throws how it failed. */
  check(state: RunState): Promise<RunState>;
  /** The wait is over with `state`: announce and measure it. Called once per wait, by whoever ends it. */
  over(state: RunState): Promise<void>;
}

/** What a look came to: the run was resumed, the wait goes on, or someone else had ended it (or no run waits there). */
export type WaitResult = 'resumed' | 'waiting' | 'closed' | 'none';

/** `awaitEnd('build', { state, taskToken }, look, deps)`: record the wait, then look once. */
export async function awaitEnd(
  kind: WaitKind,
  request: { state: RunState; taskToken: string },
  look: WaitLook,
  deps: Pick<Dependencies, 'objects' | 'workflow' | 'clock' | 'logger'>,
): Promise<WaitResult> {
  const key = waitKey(kind, request.state);
  if (!key)
    throw new InvalidInputError(
      `Run ${request.state.runId}: the ${kind} wait needs "${kind === 'build' ? 'build' : 'deployment'}" from an earlier step, and the state has none.`,
    );
  const record: WaitRecord = { token: request.taskToken, state: request.state, since: deps.clock.now().toISOString() };
  // Recorded before the look: an event that comes between the two finds the record and looks too.
  await deps.objects.put({ key, body: encode(record), contentType: 'application/json' });
  return settle(kind, key, record, look, deps);
}

/** `wake('rollout', key, look, deps)`: the event may have ended the wait recorded at `key`; look, and resume the run if it did. */
export async function wake(
  kind: WaitKind,
  key: string,
  look: WaitLook,
  deps: Pick<Dependencies, 'objects' | 'workflow' | 'logger'>,
): Promise<WaitResult> {
  const record = await readRecord(key, deps);
  if (!record) return 'none';
  return settle(kind, key, record, look, deps);
}

/** Look at the wait recorded at `key`; if it is over, resume the run, announce the end and forget the record. */
async function settle(
  kind: WaitKind,
  key: string,
  record: WaitRecord,
  look: WaitLook,
  deps: Pick<Dependencies, 'objects' | 'workflow' | 'logger'>,
): Promise<WaitResult> {
  let outcome: TaskOutcome;
  try {
    const next = await look.check(record.state);
    if (!waitIsOver(kind, next)) return 'waiting';
    outcome = { output: next };
  } catch (error) {
    // Failed for now (throttled, a dropped connection): the function fails, and the wait Task's Retry (the
    // first look) or Lambda's retries of the event's invocation try again; the fallback look is the last resort.
    if (isRetried(error)) throw error;
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    outcome = { error: { name, message } };
  }
  // The resume is the claim (see above). A resume that fails for now throws with the record in place, so the
  // event's retry looks and resumes again.
  const resumed = await deps.workflow.resume(record.token, outcome);
  const fields = { runId: record.state.runId, app: record.state.app, kind };
  if (!resumed) {
    // Another look ended it, the Task timed out meanwhile (its retry records the wait again and looks itself),
    // or the run ended: forget this record, unless that retry has replaced it already.
    deps.logger.info('wait already over', fields);
    await forget(key, record.token, deps);
    return 'closed';
  }
  // Announced once the run is resumed: the next step starts meanwhile (in AWS a PutEvents would hold it up
  // by tens of milliseconds), and only the look that resumed it announces.
  const told = 'output' in outcome ? look.over(outcome.output as RunState) : Promise.resolve();
  deps.logger.info('wait ended', { ...fields, ...('error' in outcome && { error: outcome.error.name }) });
  await Promise.all([told, deps.objects.delete(key)]);
  return 'resumed';
}

/** Deletes the wait record at `key` if it still holds `token` (a Task's retry writes its own there). */
async function forget(key: string, token: string, deps: Pick<Dependencies, 'objects'>): Promise<void> {
  if ((await readRecord(key, deps))?.token === token) await deps.objects.delete(key);
}

/** The wait record at `key`, or undefined when there is none (or what is there is not one). */
async function readRecord(key: string, deps: Pick<Dependencies, 'objects'>): Promise<WaitRecord | undefined> {
  const body = await deps.objects.get(key);
  return body && parseWaitRecord(new TextDecoder().decode(body));
}

/**
 * `rolloutWaitKeys('web', deps)` → the waits of every run whose app is served by the service `web`
 * (each waiting run's own look tells whether the change concerns it: its rollout, or a newer run's
 * that supersedes it). Without a service name, every rollout wait.
 */
export async function rolloutWaitKeys(
  service: string | undefined,
  deps: Pick<Dependencies, 'objects' | 'config'>,
): Promise<string[]> {
  const keys = await deps.objects.list(ROLLOUT_WAITS_PREFIX);
  if (service === undefined) return keys;
  return keys.filter((key) => {
    const app = appOfRolloutWaitKey(key);
    if (app === undefined) return false;
    try {
      return appConfig(deps.config, app).service.name === service;
    } catch {
      return true; // an app no longer configured: its look fails the run, naming it
    }
  });
}

/**
 * `deploymentWaitKeys('web', 'ecs-svc/123…', deps)` → where a run waiting on that deployment of the service `web`
 * has its wait: one key per app the service serves (usually one). Read at once, without listing.
 */
export function deploymentWaitKeys(
  service: string,
  deploymentId: string,
  deps: Pick<Dependencies, 'config'>,
): string[] {
  return allApps(deps.config)
    .filter((app) => app.service.name === service)
    .map((app) => rolloutWaitKey(app.name, deploymentId));
}

function encode(record: WaitRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}
