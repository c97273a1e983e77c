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
  /** `unchanged`: the run SUCCEEDED without building or deploying anything, its image already serving (its output says `unchanged`). */
  note?: 'unchanged';
}

export interface ExecutionHistory extends ExecutionSummary {
  input: unknown;
  events: ExecutionEvent[];
}
