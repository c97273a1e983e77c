import type { Command } from 'commander';
import type { RunLogPage } from '../../use-cases/run-logs.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export function register(program: Command): void {
  program
    .command('logs')
    .description("print a run's build output")
    .argument('<runId>', 'the run id')
    .option('-f, --follow', 'keep printing until the build ends')
    .option('--json', 'one JSON event per line')
    .action(async (runId: string, flags: { follow?: boolean; json?: boolean }) => {
      const options = { runId, follow: Boolean(flags.follow), json: Boolean(flags.json) };
      process.exitCode = await run(options, { client: await apiClient(), out: createOutput(options.json) });
    });
}

/** `slipway logs <runId> [--follow]`: the run's build output; with --follow, until the build ends. */
export async function run(
  options: { runId: string; follow: boolean; json: boolean },
  deps: { client: ApiClient; out: Output },
): Promise<number> {
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.client.request<RunLogPage>(
      'GET',
      `/runs/${encodeURIComponent(options.runId)}/logs${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const line of page.lines) {
      if (options.json) deps.out.event({ type: 'log', runId: options.runId, line });
      else process.stdout.write(`${line}\n`);
    }
    cursor = page.cursor;
    if (page.done || (!options.follow && page.lines.length === 0)) return 0;
    if (page.lines.length === 0) await new Promise((resolve) => setTimeout(resolve, deps.client.pollMs));
  }
}
