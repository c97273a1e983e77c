import type { ExecutionHistory, ExecutionSummary } from '../domain/execution.ts';
import type { RunInput } from '../domain/run-state.ts';

/** Runs the state machine: Step Functions in AWS, aws-local-stepfunctions on the local stack. */
export interface Workflow {
  /** `start(input)` starts an execution named after `input.runId`; `{ started: false }` when it already exists (a duplicate event), never a second run. */
  start(input: RunInput): Promise<{ started: boolean }>;
  /** `history('01J…')` → the execution's status and every event it recorded, or undefined when there is no such run. */
  history(runId: string): Promise<ExecutionHistory | undefined>;
  /** `list({ app: 'hello', limit: 20 })` → executions, newest first. */
  list(filter: { app?: string; limit: number }): Promise<ExecutionSummary[]>;
  /**
   * `changed('01J…', 12, 20_000)` resolves once the run has more than 12 events or has ended (at once if it
   * has already) — or, for a run that does not exist yet, once it starts — or after 20 s. Only an engine that
   * hears of each event as it happens has it (the local stack's); without it, callers poll.
   */
  changed?(runId: string, seenEvents: number, timeoutMs: number): Promise<void>;
}
