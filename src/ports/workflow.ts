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
   * `resume(token, { output: state })` or `resume(token, { error: { name, message } })` ends the Task that
   * waits on `token` (the callback pattern: Step Functions' SendTaskSuccess / SendTaskFailure) → true; false
   * when that wait is over already (resumed, timed out, or its run ended): a late or repeated event.
   */
  resume(token: string, outcome: TaskOutcome): Promise<boolean>;

  /**
   * `changed('01J…', 12, 20_000)` resolves once the run has more than 12 events or has ended (at once if it
   * has already) — or, for a run that does not exist yet, once it starts — or after 20 s; events recorded
   * together (a burst) are all there when it resolves. Only an engine that hears of each event as it happens
   * has it (the local stack's); without it, callers poll.
   */
  changed?(runId: string, seenEvents: number, timeoutMs: number): Promise<void>;
}

/** How a waiting Task ends: with the run's next state, or failed with an error the state machine's Retry and Catch match by name. */
export type TaskOutcome = { output: unknown } | { error: { name: string; message: string } };
