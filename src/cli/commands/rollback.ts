import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';
import { followAndReport } from '../report-run.ts';

/** `slipway rollback --app <name> [--to <runId>]`: deploy an earlier successful run's image again, as a new run, without building. */
export async function run(options: { app: string; to?: string }, deps: { client: ApiClient; out: Output }): Promise<number> {
  const started = await deps.client.request<{ runId: string; rollbackTo: string; image: string }>(
    'POST',
    `/apps/${encodeURIComponent(options.app)}/rollback`,
    options.to ? { to: options.to } : {},
  );
  deps.out.event({ type: 'rollback', ...started });
  deps.out.line(`rolling back ${options.app} to run ${started.rollbackTo} (${started.image}): run ${started.runId}`);
  return followAndReport(deps.client, started.runId, deps.out);
}
