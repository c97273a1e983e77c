import { RunNotFoundError, InvalidInputError } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import { runSummary, runView, type RunSummary, type RunView } from '../domain/run-view.ts';
import type { Dependencies } from './dependencies.ts';

/** `listRuns({ app: 'hello', limit: 20 })` → runs, newest first. */
export async function listRuns(
  query: { app?: string; limit?: string | number },
  deps: Pick<Dependencies, 'workflow'>,
): Promise<RunSummary[]> {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new InvalidInputError(`limit must be a whole number from 1 to 100 (got "${query.limit}").`);
  return (await deps.workflow.list({ ...(query.app && { app: query.app }), limit })).map(runSummary);
}

/** `getRun('01J…')` → the run view derived from the execution history; RunNotFoundError when there is none. */
export async function getRun(runId: string, deps: Pick<Dependencies, 'workflow'>): Promise<RunView> {
  if (!isRunId(runId))
    throw new InvalidInputError(`"${runId}" is not a run id (a 26-character ULID such as 01JDQ8ZV7N2W4Y6A8C0E2G4J6M).`);
  const history = await deps.workflow.history(runId);
  if (!history) throw new RunNotFoundError(runId);
  return runView(history);
}
