import type { ExecutionHistory, ExecutionStatus, ExecutionSummary } from './execution.ts';
import type { RunFailure, RunState, Trigger } from './run-state.ts';
import { isWaitState, STEPS, stepOfState, type StepName } from './steps.ts';

export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface StepView {
  name: StepName;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  retries: number;
  /** Why a SKIPPED step was skipped, when the run says (an image reused for its build key, an unchanged service). */
  reason?: string;
}

/** A run's outcome: the execution's status, except that a run a newer one superseded (it ends in the Superseded state) is SUPERSEDED. */
export type RunStatus = ExecutionStatus | 'SUPERSEDED';

/** A run in a list (`slipway runs`, `/apps`, the dashboard): its outcome, read as `runView` reads it. */
export interface RunSummary {
  runId: string;
  app: string;
  status: RunStatus;
  startedAt: string;
  stoppedAt?: string;
  superseded?: RunState['superseded'];
  /** `unchanged`: the run SUCCEEDED without building or deploying anything, its image already serving. */
  note?: 'unchanged';
}

/**
 * `runSummary(execution)` → the run as a list shows it. The engine only knows the execution SUCCEEDED;
 * a run that a newer one superseded ended in the Superseded state, and its output says so.
 */
export function runSummary(execution: ExecutionSummary): RunSummary {
  const end = succeededState(execution.status, execution.output);
  const superseded = end?.superseded;
  return {
    runId: execution.runId,
    app: execution.app,
    status: superseded ? 'SUPERSEDED' : execution.status,
    startedAt: execution.startedAt,
    ...(execution.stoppedAt && { stoppedAt: execution.stoppedAt }),
    ...(superseded && { superseded }),
    ...(end?.unchanged !== undefined && { note: 'unchanged' as const }),
  };
}

/** The state a succeeded run ended with (what tells a superseded or unchanged run apart); undefined for any other end. */
function succeededState(status: ExecutionStatus, output: unknown): Partial<RunState> | undefined {
  return status === 'SUCCEEDED' && typeof output === 'object' && output !== null
    ? (output as Partial<RunState>)
    : undefined;
}

export interface RunView {
  id: string;
  app: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  trigger?: Trigger;
  steps: StepView[];
  build?: RunState['build'];
  image?: { digest: string; tags: string[]; repository: string };
  lifecycle?: RunState['lifecycle'];
  release?: RunState['release'];
  deployment?: RunState['deployment'];
  url?: string;
  error?: { step: StepName | 'unknown'; name: string; message: string };
  serving?: RunFailure['serving'];
  /** Set when the run ended SUPERSEDED: the newer run that claimed the app's service, and in which step this run learnt it. */
  superseded?: RunState['superseded'];
  /** Set when the service already ran the run's image with the same settings: nothing was deployed; the run SUCCEEDED. */
  unchanged?: RunState['unchanged'];
}

/**
 * `runView(history)` → what a person (or a script) wants to know about a run, derived from the
 * execution's own events: step timings from states entered and exited, the run's data from the
 * last state output, the error from the failure the state machine recorded.
 */
export function runView(history: ExecutionHistory): RunView {
  const steps = new Map<StepName, StepView>(STEPS.map((name) => [name, { name, status: 'PENDING', retries: 0 }]));
  let latest = history.input as Partial<RunState>;
  let failedIn: StepName | undefined;
  // The states whose last failure was a wait's fallback timeout: the next attempt looks again, it is no retry.
  const lookingAgain = new Set<string>();

  for (const event of history.events) {
    if (
      event.type === 'StateEntered' ||
      event.type === 'StateExited' ||
      event.type === 'StateFailed' ||
      event.type === 'StateRetried'
    ) {
      const step = steps.get(stepOfState(event.state) as StepName);
      if (event.type === 'StateExited' && isObject(event.output)) latest = event.output as Partial<RunState>;
      if (!step) continue;
      if (event.type === 'StateEntered') {
        step.startedAt ??= event.timestamp;
        step.status = 'RUNNING';
      } else if (event.type === 'StateExited') {
        step.endedAt = event.timestamp;
      } else if (event.type === 'StateFailed') {
        step.status = 'FAILED';
        step.endedAt = event.timestamp;
        failedIn = step.name;
        if (isWaitState(event.state) && event.error === 'States.Timeout') lookingAgain.add(event.state);
        else lookingAgain.delete(event.state);
      } else {
        if (!lookingAgain.delete(event.state)) step.retries += 1;
        step.status = 'RUNNING';
      }
    }
  }

  // A step is done once a later step has started, or the run succeeded.
  const ordered = [...steps.values()];
  ordered.forEach((step, index) => {
    if (step.status !== 'RUNNING') return;
    const laterStarted = ordered.slice(index + 1).some((s) => s.startedAt);
    if (laterStarted || history.status === 'SUCCEEDED') step.status = 'SUCCEEDED';
    else if (history.status !== 'RUNNING') step.status = 'FAILED';
  });
  if (history.status !== 'RUNNING') {
    for (const step of ordered) if (step.status === 'PENDING') step.status = 'SKIPPED';
  }
  // A step the run skips shows as skipped with why as soon as the run knows (deploy, entered to find nothing to change, too).
  for (const step of ordered) {
    const reason = latest.skipped?.[step.name];
    if (reason) Object.assign(step, { status: 'SKIPPED', reason });
  }

  const failure = latest.failure;
  const view: RunView = {
    id: history.runId,
    app: history.app,
    status: history.status,
    startedAt: history.startedAt,
    steps: ordered,
  };
  const superseded = succeededState(history.status, latest)?.superseded;
  if (superseded) {
    view.status = 'SUPERSEDED';
    view.superseded = superseded;
  }
  if (history.stoppedAt) view.endedAt = history.stoppedAt;
  if (latest.trigger) view.trigger = latest.trigger;
  if (latest.build) view.build = latest.build;
  if (latest.image)
    view.image = { digest: latest.image.digest, tags: latest.image.tags, repository: latest.image.repository };
  if (latest.lifecycle) view.lifecycle = latest.lifecycle;
  if (latest.release) view.release = latest.release;
  if (latest.deployment) view.deployment = latest.deployment;
  if (latest.deployment?.url && view.status === 'SUCCEEDED') view.url = latest.deployment.url;
  if (latest.unchanged) {
    view.unchanged = latest.unchanged;
    view.url = latest.unchanged.url;
  }
  if (failure) {
    view.error = { step: failure.step as StepName, name: failure.name, message: failure.message };
    if (failure.serving) view.serving = failure.serving;
  } else if (history.status !== 'RUNNING' && history.status !== 'SUCCEEDED') {
    const last = [...history.events].reverse().find((e) => e.type === 'ExecutionFailed' || e.type === 'StateFailed');
    const error =
      last && 'error' in last
        ? { name: last.error, message: last.cause }
        : { name: history.status, message: `The run ended ${history.status}.` };
    view.error = { step: failedIn ?? 'unknown', ...error };
  }
  return view;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
