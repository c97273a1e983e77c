import type { RunView } from '../../domain/run-view.ts';
import type { ApiClient } from '../api-client.ts';
import { describeOutcome, type Output } from '../output.ts';
import { followAndReport } from '../report-run.ts';

/** `slipway status <runId> [--json] [--follow]`: one run, its steps, image, deployment and error; --follow shows it live until it ends. Exit 1 when the run failed. */
export async function run(options: { runId: string; json: boolean; follow?: boolean }, deps: { client: ApiClient; out: Output }): Promise<number> {
  if (options.follow) return followAndReport(deps.client, options.runId, deps.out);
  const view = await deps.client.request<RunView>('GET', `/runs/${encodeURIComponent(options.runId)}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  } else {
    deps.out.line(`run ${view.id}  app ${view.app}  ${view.status}  started ${view.startedAt}`);
    for (const step of view.steps) {
      const seconds = step.startedAt && step.endedAt ? ` ${((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000).toFixed(1)}s` : '';
      deps.out.line(`  ${step.name.padEnd(10)} ${step.status}${seconds}${step.retries ? ` (${step.retries} retries)` : ''}`);
    }
    if (view.status !== 'RUNNING') for (const line of describeOutcome(view)) deps.out.line(line);
  }
  return view.status === 'FAILED' || view.status === 'ABORTED' || view.status === 'TIMED_OUT' ? 1 : 0;
}
