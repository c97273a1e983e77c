import type { RunView } from '../domain/run-view.ts';
import type { ApiClient } from './api-client.ts';
import { followRun } from './follow.ts';
import { describeOutcome, describeStep, type Output } from './output.ts';

/** Follow a run to its end, printing each step and the outcome; the exit code is 0 only when it succeeded. Used by deploy and rollback. */
export async function followAndReport(client: ApiClient, runId: string, out: Output): Promise<number> {
  const run: RunView = await followRun(client, runId, (event) => {
    out.event(event);
    if (event.type === 'waiting') out.line('waiting for the run to start…');
    else out.line(describeStep(event));
  });
  out.event({ type: 'done', runId: run.id, status: run.status, ...(run.url && { url: run.url }), ...(run.error && { error: run.error }), run });
  for (const line of describeOutcome(run)) out.line(line);
  return run.status === 'SUCCEEDED' ? 0 : 1;
}
