import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ExecutionEvent } from '../../domain/execution.ts';

/** Events that end one attempt of a state's work (or the state itself) with an error. */
const FAILURE_TYPES = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'EvaluationFailed',
  'MapStateFailed',
  'ParallelStateFailed',
  'MapRunFailed',
]);
/** Events that start one attempt of a state's work: a second one after a failure is a retry. */
const SCHEDULE_TYPES = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);
const EXECUTION_END_DEFAULTS: Record<string, { error: string; cause: string }> = {
  ExecutionFailed: { error: 'States.Runtime', cause: 'The execution failed.' },
  ExecutionTimedOut: { error: 'States.Timeout', cause: 'The execution took longer than its timeout.' },
  ExecutionAborted: { error: 'States.Aborted', cause: 'The execution was stopped.' },
};

interface OpenState {
  name: string;
  isFailState: boolean;
  attempts: number;
  /** A failure was recorded since the last attempt started (a following schedule is a retry). */
  failed: boolean;
}

/**
 * `translateHistory(getExecutionHistory.events)` → the domain's ExecutionEvent list.
 * Failure events do not name their state, so they are charged to the state entered last; Step
 * Functions records a retry as another LambdaFunctionScheduled inside the same state (no new
 * StateEntered), which becomes StateRetried with the attempt number (2 for the first retry).
 */
export function translateHistory(events: readonly HistoryEvent[]): ExecutionEvent[] {
  const out: ExecutionEvent[] = [];
  const open: OpenState[] = [];
  for (const event of events) {
    const type = event.type ?? '';
    const timestamp = iso(event.timestamp);
    const top = open[open.length - 1];
    if (type === 'ExecutionStarted') {
      out.push({ type: 'ExecutionStarted', timestamp, input: parsePayload(event.executionStartedEventDetails?.input) });
    } else if (type.endsWith('StateEntered')) {
      const name = event.stateEnteredEventDetails?.name ?? 'unknown';
      open.push({ name, isFailState: type === 'FailStateEntered', attempts: 0, failed: false });
      out.push({
        type: 'StateEntered',
        timestamp,
        state: name,
        input: parsePayload(event.stateEnteredEventDetails?.input),
      });
    } else if (type.endsWith('StateExited')) {
      const name = event.stateExitedEventDetails?.name ?? top?.name ?? 'unknown';
      const index = open.map((s) => s.name).lastIndexOf(name);
      if (index >= 0) open.splice(index, 1);
      out.push({
        type: 'StateExited',
        timestamp,
        state: name,
        output: parsePayload(event.stateExitedEventDetails?.output),
      });
    } else if (SCHEDULE_TYPES.has(type)) {
      if (!top) continue;
      top.attempts += 1;
      if (top.attempts > 1 && top.failed)
        out.push({ type: 'StateRetried', timestamp, state: top.name, attempt: top.attempts });
      top.failed = false;
    } else if (FAILURE_TYPES.has(type)) {
      const details = failureDetails(event, type);
      const state = top?.name ?? details.state;
      if (top) top.failed = true;
      if (state) out.push({ type: 'StateFailed', timestamp, state, error: details.error, cause: details.cause });
    } else if (type === 'ExecutionSucceeded') {
      out.push({
        type: 'ExecutionSucceeded',
        timestamp,
        output: parsePayload(event.executionSucceededEventDetails?.output),
      });
    } else if (type in EXECUTION_END_DEFAULTS) {
      const defaults = EXECUTION_END_DEFAULTS[type] as { error: string; cause: string };
      const details = failureDetails(event, type);
      const error = details.error || defaults.error;
      const cause = details.cause || defaults.cause;
      // Ended while a state was still running (a runtime error, the execution's timeout, a stop):
      // that state failed too. A Fail state is the planned end, not a failure of its own.
      if (top && !top.failed && !top.isFailState)
        out.push({ type: 'StateFailed', timestamp, state: top.name, error, cause });
      out.push({ type: 'ExecutionFailed', timestamp, error, cause });
    }
  }
  return out;
}

/** Each event type keeps its error in `<eventType>EventDetails` (`lambdaFunctionFailedEventDetails`, `taskTimedOutEventDetails`…). */
function failureDetails(event: HistoryEvent, type: string): { error: string; cause: string; state?: string } {
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  const details = (event as unknown as Record<string, unknown>)[key] as
    { error?: string; cause?: string; state?: string } | undefined;
  const error =
    details?.error ??
    (type in EXECUTION_END_DEFAULTS ? '' : type.endsWith('TimedOut') ? 'States.Timeout' : 'States.TaskFailed');
  return { error, cause: details?.cause ?? '', ...(details?.state !== undefined && { state: details.state }) };
}

/** State and execution data are JSON strings; a payload that is not JSON is kept as the string. */
export function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function iso(date: Date | undefined): string {
  return (date ?? new Date(0)).toISOString();
}
