import * as v from 'valibot';
import { InvalidInputError } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import { TRIGGER_KINDS, type RunState } from '../domain/run-state.ts';
import { describeIssues } from '../domain/validation.ts';

/**
 * What every step receives. Loose on purpose: the state grows as steps add their parts;
 * each step checks the parts it needs (requirePart). Strict on what every step relies on.
 */
const RunStateSchema = v.looseObject({
  runId: v.pipe(v.string(), v.check(isRunId, 'must be a ULID')),
  app: v.pipe(v.string(), v.minLength(1)),
  trigger: v.looseObject({ kind: v.picklist(TRIGGER_KINDS) }),
  context: v.looseObject({ key: v.pipe(v.string(), v.minLength(1)) }),
});

/** `parseRunState(event)` → the state, or InvalidInputError listing what is wrong with the event. */
export function parseRunState(event: unknown): RunState {
  const result = v.safeParse(RunStateSchema, event);
  if (result.success) return result.output as unknown as RunState;
  const issues = describeIssues(result.issues);
  throw new InvalidInputError(`The step was started with an invalid run state: ${issues.join('; ')}`, issues);
}
