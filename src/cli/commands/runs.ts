import type { ExecutionSummary } from '../../domain/execution.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';

/** `slipway runs [--app <name>] [--limit N] [--json]`: runs, newest first. */
export async function run(options: { app?: string; limit: number; json: boolean }, deps: { client: ApiClient; out: Output }): Promise<number> {
  const query = new URLSearchParams({ limit: String(options.limit), ...(options.app && { app: options.app }) });
  const { runs } = await deps.client.request<{ runs: ExecutionSummary[] }>('GET', `/runs?${query}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) deps.out.line(options.app ? `no runs for app "${options.app}" yet` : 'no runs yet');
  for (const r of runs) deps.out.line(`${r.runId}  ${r.app.padEnd(16)} ${r.status.padEnd(10)} ${r.startedAt}`);
  return 0;
}
