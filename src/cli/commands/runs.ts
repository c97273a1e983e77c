import type { Command } from 'commander';
import { InvalidInputError } from '../../domain/errors.ts';
import type { RunSummary } from '../../domain/run-view.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export interface RunsOptions {
  app?: string;
  limit: number;
  json: boolean;
}

export function register(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first')
    .option('-a, --app <name>', 'only this app')
    .option('-n, --limit <n>', 'how many, from 1 to 100', parseLimit, 20)
    .option('--json', 'print JSON')
    .action(async (flags: { app?: string; limit: number; json?: boolean }) => {
      const options: RunsOptions = {
        ...(flags.app && { app: flags.app }),
        limit: flags.limit,
        json: Boolean(flags.json),
      };
      process.exitCode = await run(options, { client: await apiClient(), out: createOutput(options.json) });
    });
}

/** `parseLimit('20')` → 20; anything but a whole number from 1 to 100 is InvalidInputError naming --limit. */
export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new InvalidInputError(`--limit must be a whole number from 1 to 100 (got "${text}").`);
  return limit;
}

/** `slipway runs [--app <name>] [--limit N] [--json]`: runs, newest first. */
export async function run(options: RunsOptions, deps: { client: ApiClient; out: Output }): Promise<number> {
  const query = new URLSearchParams({ limit: String(options.limit), ...(options.app && { app: options.app }) });
  const { runs } = await deps.client.request<{ runs: RunSummary[] }>('GET', `/runs?${query}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) deps.out.line(options.app ? `no runs for app "${options.app}" yet` : 'no runs yet');
  for (const r of runs) {
    const status = `${r.status}${r.note ? ` (${r.note})` : ''}`;
    deps.out.line(`${r.runId}  ${r.app.padEnd(16)} ${status.padEnd(10)} ${r.startedAt}`);
  }
  return 0;
}
