import * as v from 'valibot';
import { InvalidInputError } from '../domain/errors.ts';
import type { RunState } from '../domain/run-state.ts';
import { describeIssues } from '../domain/validation.ts';
import { parseRunState } from './run-state-schema.ts';

/** What a wait Task (AwaitBuild, AwaitRollout) hands its function: the ASL's Payload, the run's state and the Task's token. */
const WaitRequestSchema = v.object({
  state: v.unknown(),
  taskToken: v.pipe(v.string(), v.minLength(1)),
});

/** `parseWaitRequest({ state, taskToken })` → both, the state checked as parseRunState checks it; InvalidInputError otherwise. */
export function parseWaitRequest(event: unknown): { state: RunState; taskToken: string } {
  const result = v.safeParse(WaitRequestSchema, event);
  if (!result.success) {
    const issues = describeIssues(result.issues);
    throw new InvalidInputError(`The wait was started without its state and token: ${issues.join('; ')}`, issues);
  }
  return { state: parseRunState(result.output.state), taskToken: result.output.taskToken };
}
