import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { followRun } from '../../../src/cli/follow.ts';
import type { RunView, StepStatus } from '../../../src/domain/run-view.ts';
import { STEPS } from '../../../src/domain/steps.ts';
import type { RunLogPage } from '../../../src/use-cases/run-logs.ts';

/** Every pause followRun takes, in order, instead of taking it (resolved at once). */
const pauses = vi.hoisted(() => [] as { ms: number; afterRequest: number }[]);
const requests = vi.hoisted(() => [] as string[]);
vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number) => void pauses.push({ ms, afterRequest: requests.length }),
}));

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';

function view(status: RunView['status'], steps: StepStatus[]): RunView {
  return {
    id: RUN,
    app: 'hello',
    status,
    startedAt: '2026-11-30T10:00:00.000Z',
    steps: STEPS.map((name, i) => ({ name, status: steps[i] ?? 'PENDING', retries: 0 })),
    build: { id: 'b1', status: 'IN_PROGRESS', phase: 'BUILD', startedAt: '2026-11-30T10:00:00.000Z' },
  };
}

const page = (lines: string[], cursor: string, done: boolean): RunLogPage => ({ runId: RUN, lines, cursor, done });

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
