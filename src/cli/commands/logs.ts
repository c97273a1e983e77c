import { setTimeout as sleep } from 'node:timers/promises';
import type { RunLogPage } from '../../use-cases/run-logs.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';

/** `slipway logs <runId> [--follow]`: the run's build output; with --follow, until the build ends. */
export async function run(options: { runId: string; follow: boolean; json: boolean }, deps: { client: ApiClient; out: Output }): Promise<number> {
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.client.request<RunLogPage>('GET', `/runs/${encodeURIComponent(options.runId)}/logs${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const line of page.lines) {
      if (options.json) deps.out.event({ type: 'log', runId: options.runId, line });
      else process.stdout.write(`${line}\n`);
    }
    cursor = page.cursor;
    if (page.done || (!options.follow && page.lines.length === 0)) return 0;
    if (page.lines.length === 0) await sleep(deps.client.pollMs);
  }
}
