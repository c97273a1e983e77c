import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { followRun } from '../../../src/cli/follow.ts';
import { page, RUN, view } from './follow.fixtures.ts';

/** Every pause followRun takes, in order, instead of taking it (resolved at once). */
const pauses = vi.hoisted(() => [] as { ms: number; afterRequest: number }[]);
const requests = vi.hoisted(() => [] as string[]);
vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number) => void pauses.push({ ms, afterRequest: requests.length }),
}));

describe('followRun while the build runs', () => {
  it("lets the build's next lines gather for a moment after each page of them, not after the last", async () => {
    const waited = { 'preference-applied': 'wait=20' };
    const runs = [
      view('RUNNING', ['SUCCEEDED', 'RUNNING']),
      view('SUCCEEDED', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']),
    ];
    const logs = [
      page([], '0', false),
      page(['#1 building'], '1', false),
      page(['#2 pushing', '#3 pushed'], '3', false),
      page([], '3', true),
    ];
    const client = {
      pollMs: 1,
      exchange: async (_method: string, path: string) => {
        requests.push(path);
        const body = path.includes('/logs') ? logs.shift() : runs.shift();
        if (!body) throw new Error(`nothing scripted for ${path}`);
        return { body, headers: new Headers(path.includes('/logs') && requests.length > 2 ? waited : {}) };
      },
    } as unknown as ApiClient;

    await followRun(client, RUN, () => undefined, { gatherMs: 100 });

    expect(requests).toEqual([
      `/runs/${RUN}`,
      `/runs/${RUN}/logs`,
      `/runs/${RUN}/logs?cursor=0`,
      `/runs/${RUN}/logs?cursor=1`,
      `/runs/${RUN}/logs?cursor=3`,
      `/runs/${RUN}`,
    ]);
    // After the pages that brought lines (requests 3 and 4), before the next: none after the one that ended the output.
    expect(pauses.filter((p) => p.ms === 100)).toEqual([
      { ms: 100, afterRequest: 3 },
      { ms: 100, afterRequest: 4 },
    ]);
  });
});
