import type { Command } from 'commander';
import type { RunView } from '../../domain/run-view.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, describeOutcome, type Output } from '../output.ts';

export function register(program: Command): void {
  program
    .command('status')
    .description('show one run: its steps, image, deployment and error')
    .argument('<runId>', 'the run id (from deploy or runs)')
    .option('--json', 'print JSON (with --follow: one JSON event per line)')
    .option('-f, --follow', 'show the run live until it ends, with its build output')
    .action(async (runId: string, flags: { json?: boolean; follow?: boolean }) => {
      const options = { runId, json: Boolean(flags.json), follow: Boolean(flags.follow) };
      process.exitCode = await run(options, { client: await apiClient(), out: createOutput(options.json) });
    });
}

/** `slipway status <runId> [--json] [--follow]`: one run, its steps, image, deployment and error; --follow shows it live until it ends. Exit 1 when the run failed. */
export async function run(
  options: { runId: string; json: boolean; follow?: boolean },
  deps: { client: ApiClient; out: Output },
): Promise<number> {
  if (options.follow) return (await import('../report-run.ts')).followAndReport(deps.client, options.runId, deps.out);
  const view = await deps.client.request<RunView>('GET', `/runs/${encodeURIComponent(options.runId)}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  } else {
    deps.out.line(`run ${view.id}  app ${view.app}  ${view.status}  started ${view.startedAt}`);
    for (const step of view.steps) {
      const seconds =
        step.startedAt && step.endedAt
          ? ` ${((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000).toFixed(1)}s`
          : '';
      deps.out.line(
        `  ${step.name.padEnd(10)} ${step.status}${seconds}${step.retries ? ` (${step.retries} retries)` : ''}` +
          (step.status === 'SKIPPED' && step.reason ? `: ${step.reason}` : ''),
      );
    }
    if (view.status !== 'RUNNING') for (const line of describeOutcome(view)) deps.out.line(line);
  }
  return view.status === 'FAILED' || view.status === 'ABORTED' || view.status === 'TIMED_OUT' ? 1 : 0;
}
