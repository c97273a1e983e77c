import type { RunState } from './run-state.ts';

/**
 * Waiting without polling: a run waiting on its build or its rollout leaves a wait record — the
 * Task's token and the state to check — under a key the event that ends the wait can find. The
 * record lives in the object store; these are its keys, its shape, and what the events say.
 */
export type WaitKind = 'build' | 'rollout';

/** What a waiting run leaves for the event that may end its wait. */
export interface WaitRecord {
  /** The Task's token: what resumes the run (Step Functions' SendTaskSuccess / SendTaskFailure). */
  token: string;
  /** The run's state when it started waiting: what the check step reads the build or rollout from. */
  state: RunState;
  /** ISO time the wait (this attempt of it) began. */
  since: string;
}

export const ROLLOUT_WAITS_PREFIX = 'waits/rollouts/';
const BUILD_WAITS_PREFIX = 'waits/builds/';

/** `buildWaitKey('slipway-build:4f1c…')` → `waits/builds/slipway-build%3A4f1c….json` */
export function buildWaitKey(buildId: string): string {
  return `${BUILD_WAITS_PREFIX}${encodeURIComponent(buildId)}.json`;
}

/**
 * `rolloutWaitKey('hello', 'ecs-svc/123…')` → `waits/rollouts/hello/ecs-svc%2F123….json`: under the deployment the
 * run waits on, which ECS's Deployment State Change names (so its wait is read at once), and listed by app (so a
 * newer run's deployment finds the older runs it supersedes).
 */
export function rolloutWaitKey(app: string, deploymentId: string): string {
  return `${ROLLOUT_WAITS_PREFIX}${app}/${encodeURIComponent(deploymentId)}.json`;
}

/** `appOfRolloutWaitKey('waits/rollouts/hello/01J….json')` → 'hello' */
export function appOfRolloutWaitKey(key: string): string | undefined {
  if (!key.startsWith(ROLLOUT_WAITS_PREFIX)) return undefined;
  return key.slice(ROLLOUT_WAITS_PREFIX.length).split('/')[0] || undefined;
}

/** `waitKey('build', state)` → where this run's wait on its build is recorded; undefined when the state lacks the build (or deployment). */
export function waitKey(kind: WaitKind, state: RunState): string | undefined {
  if (kind === 'build') return state.build ? buildWaitKey(state.build.id) : undefined;
  return state.deployment ? rolloutWaitKey(state.app, state.deployment.id) : undefined;
}

/**
 * `waitIsOver('rollout', state)` → true once the check step's state ends the wait: the build
 * succeeded, or the rollout completed or a newer run superseded this one. (A failed build or
 * rollout ends it too: the check step throws.)
 */
export function waitIsOver(kind: WaitKind, state: RunState): boolean {
  if (kind === 'build') return state.build?.status === 'SUCCEEDED';
  return state.superseded !== undefined || state.deployment?.state === 'COMPLETED';
}

/**
 * A rollout may last at most this long (its deadline is capped so): AwaitRollout looks itself every
 * 5 minutes for an event that never came, and the ASL retries that look 24 times (2 hours), so the
 * run's history stays bounded whatever the settings.
 */
export const MAX_ROLLOUT_SECONDS = 7200;

/** The errors the state machine retries (its Retry on every Task): a wait that meets one is not over, it is tried again. */
const RETRIED = new Set(['TransientError', 'ThrottlingException']);

/** `isRetried(new TransientError(…))` → true: the check failed for now, not the build or the rollout. */
export function isRetried(error: unknown): boolean {
  return error instanceof Error && RETRIED.has(error.name);
}

/** `parseWaitRecord(text)` → the record, or undefined for bytes that are not one (a half-written or foreign object). */
export function parseWaitRecord(text: string): WaitRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<WaitRecord>;
    if (typeof record.token !== 'string' || typeof record.state !== 'object' || record.state === null) return undefined;
    return record as WaitRecord;
  } catch {
    return undefined;
  }
}

/**
 * `buildIdOfArn('arn:aws:codebuild:eu-west-1:1:build/slipway-prod-build:4f1c…')` → `slipway-prod-build:4f1c…`,
 * the id StartBuild returned: CodeBuild's "Build State Change" names the build by its ARN.
 */
export function buildIdOfArn(arn: string): string | undefined {
  const at = arn.indexOf(':build/');
  return at < 0 ? undefined : arn.slice(at + ':build/'.length) || undefined;
}

/** `serviceNameOfArn('arn:aws:ecs:eu-west-1:1:service/prod/web')` → 'web': the service an "ECS Deployment State Change" is about. */
export function serviceNameOfArn(arn: string): string | undefined {
  const match = /:service\/(?:[^/]+\/)?([^/]+)$/.exec(arn);
  return match?.[1];
}
