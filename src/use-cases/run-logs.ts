import { InvalidInputError, RunNotFoundError } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import { runView } from '../domain/run-view.ts';
import type { Dependencies } from './dependencies.ts';

export interface RunLogPage {
  runId: string;
  /** The build's output after the cursor, in order. */
  lines: string[];
  /** Pass it back as ?cursor= to read on. */
  cursor: string;
  /** No more lines will come: the build has ended and everything was read (or the run never built). */
  done: boolean;
}

/**
 * `runLogs('01J…', cursor)` → the next page of the run's build output. Resumable: a client that
 * keeps the cursor reads every line once, in order, whether it follows live or catches up later.
 */
export async function runLogs(
  runId: string,
  cursor: string | undefined,
  deps: Pick<Dependencies, 'workflow' | 'buildLogs'>,
): Promise<RunLogPage> {
  if (!isRunId(runId)) throw new InvalidInputError(`"${runId}" is not a run id (a 26-character ULID).`);
  const history = await deps.workflow.history(runId);
  if (!history) throw new RunNotFoundError(runId);
  const view = runView(history);
  const build = view.build;
  if (!build) {
    // Not built (yet, or ever: a rollback, a failed prepare).
    const done = view.status !== 'RUNNING' || view.steps.find((s) => s.name === 'build')?.status === 'SKIPPED';
    return { runId, lines: [], cursor: cursor ?? '', done };
  }
  const page = await deps.buildLogs.read({ buildId: build.id, ...(build.logs && { logs: build.logs }) }, cursor);
  const buildEnded = build.status !== 'IN_PROGRESS' || view.status !== 'RUNNING';
  // CloudWatch may answer an empty page with a new token while events are still arriving: the output is
  // complete only when a build that ended gives neither lines nor a new cursor.
  const exhausted = page.lines.length === 0 && page.cursor === (cursor ?? '');
  return { runId, lines: page.lines, cursor: page.cursor, done: page.done || (buildEnded && exhausted) };
}
