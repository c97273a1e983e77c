import type { Command } from 'commander';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export function register(program: Command): void {
  program
    .command('rollback')
    .description('deploy the image of an earlier successful run again, as a new run, without building')
    .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
    .option('--to <runId>', 'the run to go back to (default: the newest successful run before what serves now)')
    .option('--json', 'one JSON event per line instead of text')
    .action(async (flags: { app: string; to?: string; json?: boolean }) => {
      const options = { app: flags.app, ...(flags.to && { to: flags.to }) };
      process.exitCode = await run(options, { client: await apiClient(), out: createOutput(Boolean(flags.json)) });
    });
}

/** `slipway rollback --app <name> [--to <runId>]`: deploy an earlier successful run's image again, as a new run, without building. */
export async function run(
  options: { app: string; to?: string },
  deps: { client: ApiClient; out: Output },
): Promise<number> {
  const { followAndReport } = await import('../report-run.ts'); // the live view, loaded only to follow a run
  const started = await deps.client.request<{ runId: string; rollbackTo: string; image: string }>(
    'POST',
    `/apps/${encodeURIComponent(options.app)}/rollback`,
    options.to ? { to: options.to } : {},
  );
  deps.out.event({ type: 'rollback', ...started });
  deps.out.line(`rolling back ${options.app} to run ${started.rollbackTo} (${started.image}): run ${started.runId}`);
  return followAndReport(deps.client, started.runId, deps.out);
}
