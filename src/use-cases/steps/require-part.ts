import { InvalidInputError } from '../../domain/errors.ts';
import type { RunState } from '../../domain/run-state.ts';

/** A step handed a state without the part an earlier step produces was wired wrongly: say which part is missing. */
export function requirePart<K extends keyof RunState>(state: RunState, part: K): NonNullable<RunState[K]> {
  const value = state[part];
  if (value === undefined || value === null) {
    throw new InvalidInputError(
      `Run ${state.runId}: the step needs "${String(part)}" from an earlier step, and the state has none.`,
    );
  }
  return value as NonNullable<RunState[K]>;
}
