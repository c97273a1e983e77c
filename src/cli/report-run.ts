import type { RunView } from '../domain/run-view.ts';
import type { ApiClient } from './api-client.ts';
import { followRun } from './follow.ts';
import { createRenderer } from './follow-view.ts';
import { describeOutcome, type Output } from './output.ts';

/** Follow a run to its end, showing steps, build output and rollout, then the outcome; the exit code is 0 when it succeeded or a newer run superseded it. Used by deploy, rollback and status --follow. */
export async function followAndReport(
  client: ApiClient,
  runId: string,
  out: Output,
  startedAt = Date.now(),
): Promise<number> {
  const renderer = await createRenderer(out);
  let run: RunView;
  try {
    run = await followRun(client, runId, (event) => renderer.event(event));
  } finally {
    renderer.close();
  }
  const seconds = (Date.now() - startedAt) / 1000;
  out.event({
    type: 'done',
    runId: run.id,
    status: run.status,
    seconds,
    ...(run.url && { url: run.url }),
    ...(run.error && { error: run.error }),
    run,
  });
  for (const line of describeOutcome(run, seconds)) out.line(line);
  // Superseded is not a failure: the newer run of the app deploys instead.
  return run.status === 'SUCCEEDED' || run.status === 'SUPERSEDED' ? 0 : 1;
}
