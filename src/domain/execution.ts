/**
 * A workflow engine's history, in one shape for both Step Functions (GetExecutionHistory)
 * and aws-local-stepfunctions (its event log). Adapters translate into this; the run view
 * is derived from it alone, so there is no second store that can drift.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export type ExecutionEvent =
  | { type: 'ExecutionStarted'; timestamp: string; input: unknown }
  | { type: 'StateEntered'; timestamp: string; state: string; input: unknown }
  | { type: 'StateExited'; timestamp: string; state: string; output: unknown }
  | { type: 'StateFailed'; timestamp: string; state: string; error: string; cause: string }
  | { type: 'StateRetried'; timestamp: string; state: string; attempt: number }
  | { type: 'ExecutionSucceeded'; timestamp: string; output: unknown }
  | { type: 'ExecutionFailed'; timestamp: string; error: string; cause: string };

export interface ExecutionSummary {
  runId: string;
  app: string;
  status: ExecutionStatus;
  startedAt: string;
  stoppedAt?: string;
  /** A SUCCEEDED run that deployed nothing says why: its image already served, or a newer run deploys (runNote). */
  note?: 'unchanged' | 'superseded';
}

/** `runNote(output)` → `unchanged` or `superseded` for the output of a run that succeeded without deploying; undefined otherwise. */
export function runNote(output: unknown): ExecutionSummary['note'] {
  if (typeof output !== 'object' || output === null) return undefined;
  if ('unchanged' in output) return 'unchanged';
  if ('superseded' in output) return 'superseded';
  return undefined;
}

export interface ExecutionHistory extends ExecutionSummary {
  input: unknown;
  events: ExecutionEvent[];
}
