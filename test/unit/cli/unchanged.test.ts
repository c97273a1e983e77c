import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import * as runs from '../../../src/cli/commands/runs.ts';
import * as status from '../../../src/cli/commands/status.ts';
import { describeOutcome, describeStep, type Output } from '../../../src/cli/output.ts';
import { followAndReport } from '../../../src/cli/report-run.ts';
import type { RunView } from '../../../src/domain/run-view.ts';

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const SKIP_BUILD = `the repository holds ${DIGEST} for this build key (key-abababababab…)`;
const UNCHANGED = `unchanged: ${DIGEST} already serves`;
const unchanged: RunView = {
  id: RUN,
  app: 'hello',
  status: 'SUCCEEDED',
  startedAt: '2026-11-30T10:00:00.000Z',
  endedAt: '2026-11-30T10:00:01.000Z',
  steps: [
    { name: 'prepare', status: 'SUCCEEDED', retries: 0 },
    { name: 'build', status: 'SKIPPED', retries: 0, reason: SKIP_BUILD },
    { name: 'lifecycle', status: 'SKIPPED', retries: 0, reason: 'no new image' },
    { name: 'deploy', status: 'SKIPPED', retries: 0, reason: UNCHANGED },
    { name: 'rollout', status: 'SKIPPED', retries: 0, reason: UNCHANGED },
  ],
  image: { repository: '127.0.0.1:5000/hello', digest: DIGEST, tags: [] },
  unchanged: {
    digest: DIGEST,
    taskDefinition: 'hello:3',
    revision: 3,
    url: 'http://127.0.0.1:9999',
    message: UNCHANGED,
  },
  url: 'http://127.0.0.1:9999',
};

function recorder(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { json: false, lines, line: (text) => lines.push(text), event: () => undefined, error: (t) => lines.push(t) };
}

describe('an unchanged run in the CLI', () => {
  it('says what already serves, the revision, and the URL last', () => {
    expect(describeOutcome(unchanged, 1.25)).toEqual([
      `${UNCHANGED} (app hello, run ${RUN} in 1.3s)`,
      `image: 127.0.0.1:5000/hello@${DIGEST}`,
      'task definition: hello:3 (revision 3)',
      'url: http://127.0.0.1:9999',
    ]);
  });

  it('shows each skipped step with why', () => {
    expect(
      describeStep({ type: 'step', runId: RUN, step: 'build', status: 'SKIPPED', at: '', reason: SKIP_BUILD }),
    ).toBe(`· build skipped: ${SKIP_BUILD}`);
  });

  it('follows it to the end, printing the skipped steps, and exits 0', async () => {
    const client = {
      pollMs: 1,
      request: async () => unchanged,
      exchange: async () => ({ body: unchanged, headers: new Headers() }),
    } as unknown as ApiClient;
    const out = recorder();

    expect(await followAndReport(client, RUN, out)).toBe(0);

    expect(out.lines).toContain(`· deploy skipped: ${UNCHANGED}`);
    expect(out.lines.at(-1)).toBe('url: http://127.0.0.1:9999');
  });

  it('shows the reasons in slipway status', async () => {
    const client = { request: async () => unchanged } as unknown as ApiClient;
    const out = recorder();

    expect(await status.run({ runId: RUN, json: false }, { client, out })).toBe(0);

    expect(out.lines).toContain(`  lifecycle  SKIPPED: no new image`);
    expect(out.lines).toContain(`${UNCHANGED} (app hello, run ${RUN})`);
  });

  it('notes it in slipway runs', async () => {
    const summary = {
      runId: RUN,
      app: 'hello',
      status: 'SUCCEEDED',
      startedAt: unchanged.startedAt,
      note: 'unchanged',
    };
    const client = { request: async () => ({ runs: [summary] }) } as unknown as ApiClient;
    const out = recorder();

    await runs.run({ limit: 20, json: false }, { client, out });

    expect(out.lines).toEqual([`${RUN}  hello            SUCCEEDED (unchanged) ${unchanged.startedAt}`]);
  });
});
