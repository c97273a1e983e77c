import type { RunState } from './run-state.ts';

/**
 * The steps a person sees. The state machine has more states (a wait, choices); each belongs
 * to one step, so waiting on the build shows as the build step running.
 */
export const STEPS = ['prepare', 'build', 'lifecycle', 'deploy', 'rollout'] as const;
export type StepName = (typeof STEPS)[number];

const STATE_TO_STEP: Record<string, StepName> = {
  Prepare: 'prepare',
  StartBuild: 'build',
  AwaitBuild: 'build',
  ApplyLifecycle: 'lifecycle',
  Deploy: 'deploy',
  DeployClaimed: 'deploy',
  WaitForDeployTurn: 'deploy',
  AwaitRollout: 'rollout',
  RolloutFinished: 'rollout',
  // The poll loops of earlier definitions: runs recorded before the waits became callbacks still show.
  WaitForBuild: 'build',
  CheckBuild: 'build',
  BuildFinished: 'build',
  WaitForRollout: 'rollout',
  CheckRollout: 'rollout',
};

/**
 * The Task states that wait for an event (the callback pattern). A `States.Timeout` of theirs is
 * the fallback look for an event that never came, not a failure: the state machine looks again.
 */
export const WAIT_STATES = ['AwaitBuild', 'AwaitRollout'] as const;
export type WaitState = (typeof WAIT_STATES)[number];

/** `isWaitState('AwaitBuild')` → true */
export function isWaitState(state: string): state is WaitState {
  return (WAIT_STATES as readonly string[]).includes(state);
}

/** `stepOfState('AwaitBuild')` → 'build'; undefined for states outside the steps (ReportFailure, Succeeded, Superseded, Failed). */
export function stepOfState(state: string): StepName | undefined {
  return STATE_TO_STEP[state];
}

/**
 * `failedStep(state)` → the step a caught error came from, read off what the run had already
 * produced: each step adds its own part to the state, so the first part missing names the step.
 */
export function failedStep(state: RunState): StepName {
  if (state.deployment) return 'rollout';
  // A rollback, or an image reused for its build key, has its image without a build: prepare goes straight to deploy.
  if (state.lifecycle || (state.image && !state.build && state.repository)) return 'deploy';
  if (state.image) return 'lifecycle';
  if (state.repository) return 'build';
  return 'prepare';
}

/** `unchangedMessage('sha256:ab…')` → `unchanged: sha256:ab… already serves`: how an unchanged run ends. */
export function unchangedMessage(digest: string): string {
  return `unchanged: ${digest} already serves`;
}
