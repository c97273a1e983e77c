import { dependencies } from '../composition-root.ts';
import type { RunState } from '../domain/run-state.ts';
import type { Dependencies } from './dependencies.ts';
import { parseRunState } from './run-state-schema.ts';

export type Step = (state: RunState, deps: Dependencies) => Promise<RunState>;

/**
 * The Lambda shape of a step: validate the state, run the use-case, return the new state.
 * Errors go out as they are: Lambda reports `error.name` as errorType and the state machine's
 * Retry and Catch match on it.
 */
export function stepHandler(step: Step): (event: unknown) => Promise<RunState> {
  return async (event) => step(parseRunState(event), await dependencies());
}
