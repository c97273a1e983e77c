import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { followRun, type FollowEvent } from '../../../src/cli/follow.ts';
import type { RunView } from '../../../src/domain/run-view.ts';
import { page, RUN, view } from './follow.fixtures.ts';

type Answer = { body: unknown; headers?: Record<string, string> };
interface Sent {
  path: string;
  headers: Record<string, string>;
}

/** A client that answers each request with the next scripted answer for its path, recording what was sent. */
function scriptedClient(script: { run: Answer[]; logs: Answer[] }) {
  const sent: Sent[] = [];
  const client = {
    pollMs: 1,
    exchange: async (_method: string, path: string, options: { headers?: Record<string, string> } = {}) => {
      sent.push({ path, headers: options.headers ?? {} });
      const answer = (path.includes('/logs') ? script.logs : script.run).shift();
      if (!answer) throw new Error(`nothing scripted for ${path}`);
      return { body: answer.body, headers: new Headers(answer.headers) };
    },
  } as unknown as ApiClient;
  return { client, sent };
}

describe('followRun', () => {
  it('waits for build output while the build runs, page after page, then for the next change of the run, where the API can wait', async () => {
    const waits = { 'preference-applied': 'wait=20' };
    const { client, sent } = scriptedClient({
      run: [
        { body: view('RUNNING', ['SUCCEEDED', 'RUNNING']), headers: { etag: '"5-RUNNING"' } },
        { body: view('RUNNING', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'RUNNING']), headers: { etag: '"9-RUNNING"' } },
        {
          body: view('SUCCEEDED', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']),
          headers: { etag: '"20-SUCCEEDED"', ...waits },
        },
      ],
      logs: [
        { body: page(['#1 building'], '1', false) },
        { body: page([], '1', false) },
        { body: page(['#2 pushing'], '2', false), headers: waits },
        { body: page(['#3 pushed'], '3', false), headers: waits },
        { body: page([], '3', true), headers: waits },
      ],
    });
    const events: FollowEvent[] = [];

    const run = await followRun(client, RUN, (event) => events.push(event));

    expect(run.status).toBe('SUCCEEDED');
    expect(sent.map((s) => [s.path, s.headers])).toEqual([
      [`/runs/${RUN}`, { prefer: 'wait=20' }],
      [`/runs/${RUN}/logs`, {}],
      [`/runs/${RUN}/logs?cursor=1`, {}],
      // The run is not asked for between pages: while the build runs, only its end changes it, and that ends the output.
      [`/runs/${RUN}/logs?cursor=1`, { prefer: 'wait=20' }],
      [`/runs/${RUN}/logs?cursor=2`, { prefer: 'wait=20' }],
      [`/runs/${RUN}/logs?cursor=3`, { prefer: 'wait=20' }],
      [`/runs/${RUN}`, {}],
      [`/runs/${RUN}`, { 'if-none-match': '"9-RUNNING"', prefer: 'wait=20' }],
    ]);
    expect(events.filter((e) => e.type === 'log').map((e) => e.type === 'log' && e.line)).toEqual([
      '#1 building',
      '#2 pushing',
      '#3 pushed',
    ]);
  });

  it('asks again, until the run ends, where the API answers at once', async () => {
    const { client, sent } = scriptedClient({
      run: [
        { body: view('RUNNING', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'RUNNING']), headers: { etag: '"9-RUNNING"' } },
        { body: view('RUNNING', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'RUNNING']), headers: { etag: '"9-RUNNING"' } },
        { body: view('SUCCEEDED', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']) },
      ],
      logs: [{ body: page(['#1 building'], '1', true) }],
    });

    const run = await followRun(client, RUN, () => undefined);

    expect(run.status).toBe('SUCCEEDED');
    expect(sent.filter((s) => !s.path.includes('/logs')).length).toBe(3);
  });

  it("tells the rollout's counts as they change, and its end even at the same counts", async () => {
    const rolling = (running: number, state: string, status: RunView['status'] = 'RUNNING') => ({
      ...view(status, [
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
        status === 'RUNNING' ? 'RUNNING' : 'SUCCEEDED',
      ]),
      build: { id: 'b1', status: 'SUCCEEDED', phase: 'COMPLETED', startedAt: '2026-11-30T10:00:00.000Z' },
      deployment: {
        id: 'dep-1',
        taskDefinition: 'hello:2',
        revision: 2,
        state,
        runningCount: running,
        desiredCount: 2,
        deadline: '',
      },
    });
    const { client } = scriptedClient({
      run: [
        { body: rolling(0, 'IN_PROGRESS'), headers: { etag: '"12-RUNNING/0/2"' } },
        { body: rolling(0, 'IN_PROGRESS'), headers: { etag: '"12-RUNNING/0/2"' } },
        { body: rolling(2, 'IN_PROGRESS'), headers: { etag: '"12-RUNNING/2/2"' } },
        { body: rolling(2, 'COMPLETED', 'SUCCEEDED'), headers: { etag: '"16-SUCCEEDED"' } },
      ],
      logs: [{ body: page([], '0', true) }],
    });
    const events: FollowEvent[] = [];

    await followRun(client, RUN, (event) => events.push(event));

    expect(events.filter((e) => e.type === 'rollout')).toEqual([
      { type: 'rollout', runId: RUN, running: 0, desired: 2, state: 'IN_PROGRESS' },
      { type: 'rollout', runId: RUN, running: 2, desired: 2, state: 'IN_PROGRESS' },
      { type: 'rollout', runId: RUN, running: 2, desired: 2, state: 'COMPLETED' },
    ]);
    // Under the rollout's ▸ and before its ✓, whatever else the same answer changed.
    const order = events.flatMap((e) =>
      e.type === 'rollout' ? [`counts ${e.state}`] : e.type === 'step' ? [`${e.step}:${e.status}`] : [],
    );
    expect(order.slice(-5)).toEqual([
      'rollout:RUNNING',
      'counts IN_PROGRESS',
      'counts IN_PROGRESS',
      'counts COMPLETED',
      'rollout:SUCCEEDED',
    ]);
  });
});
