import { InvalidInputError, RunNotFoundError } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import { runView } from '../domain/run-view.ts';
import type { BuildLogRef } from '../ports/build-logs.ts';
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
 * With `waitMs`, an empty page waits for the next line or the end of the output, up to waitMs, where
 * the build runner and the workflow can say when those come (the local stack); elsewhere it answers at once.
 */
export async function runLogs(
  runId: string,
  cursor: string | undefined,
  deps: Pick<Dependencies, 'workflow' | 'buildLogs'>,
  waitMs = 0,
): Promise<RunLogPage> {
  if (!isRunId(runId)) throw new InvalidInputError(`"${runId}" is not a run id (a 26-character ULID).`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { page, events, build } = await readPage(runId, cursor, deps);
    const remaining = deadline - Date.now();
    if (page.lines.length > 0 || page.done || remaining <= 0) return page;
    // Nothing new: wait for the next line, or — once the runner has no more to give — for the run to take in the build's end.
    const more = build && !build.ended ? deps.buildLogs.appended?.(build.ref, cursor, remaining) : undefined;
    const wait = more ?? deps.workflow.changed?.(runId, events, remaining);
    if (!wait) return page;
    await wait;
  }
}

async function readPage(
  runId: string,
  cursor: string | undefined,
  deps: Pick<Dependencies, 'workflow' | 'buildLogs'>,
): Promise<{ page: RunLogPage; events: number; build?: { ref: BuildLogRef; ended: boolean } }> {
  const history = await deps.workflow.history(runId);
  if (!history) throw new RunNotFoundError(runId);
  const view = runView(history);
  const events = history.events.length;
  const build = view.build;
  if (!build) {
    // Not built (yet, or ever: a rollback, a failed prepare).
    const done = view.status !== 'RUNNING' || view.steps.find((s) => s.name === 'build')?.status === 'SKIPPED';
    return { page: { runId, lines: [], cursor: cursor ?? '', done }, events };
  }
  const ref: BuildLogRef = { buildId: build.id, ...(build.logs && { logs: build.logs }) };
  const page = await deps.buildLogs.read(ref, cursor);
  const buildEnded = build.status !== 'IN_PROGRESS' || view.status !== 'RUNNING';
  // CloudWatch may answer an empty page with a new token while events are still arriving: the output is
  // complete only when a build that ended gives neither lines nor a new cursor.
  const exhausted = page.lines.length === 0 && page.cursor === (cursor ?? '');
  return {
    page: { runId, lines: page.lines, cursor: page.cursor, done: page.done || (buildEnded && exhausted) },
    events,
    build: { ref, ended: page.done },
  };
}
