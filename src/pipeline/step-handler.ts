import { dependencies } from '../composition-root.ts';
import type { RunState } from '../domain/run-state.ts';
import { stepEvents } from '../domain/step-events.ts';
import type { TaskState } from './definition.ts';
import type { Dependencies } from './dependencies.ts';
import { parseRunState } from './run-state-schema.ts';

export type Step = (state: RunState, deps: Dependencies) => Promise<RunState>;

/**
 * The Lambda shape of a step: validate the state, announce the step, run the use-case, announce
 * how it ended, return the new state. Errors go out as they are: Lambda reports `error.name` as
 * errorType and the state machine's Retry and Catch match on it.
 */
export function stepHandler(task: TaskState, step: Step): (event: unknown) => Promise<RunState> {
  return async (event) => {
    const state = parseRunState(event);
    const deps = await dependencies();
    await announce(task, 'enter', state, deps);
    const next = await step(state, deps);
    await announce(task, 'exit', next, deps);
    return next;
  };
}

/** Publish `Run Step Changed`. Best effort: a subscriber's bus being unavailable must not fail or repeat a deploy. */
async function announce(task: TaskState, moment: 'enter' | 'exit', state: RunState, deps: Dependencies): Promise<void> {
  const details = stepEvents(task, moment, state);
  if (details.length === 0) return;
  try {
    await deps.events.publish(details.map((detail) => ({ source: 'slipway', detailType: 'Run Step Changed', detail: { ...detail }, resources: [] })));
  } catch (error) {
    deps.logger.warn('could not publish Run Step Changed', { runId: state.runId, task, error: String(error) });
  }
}
