import { describe, expect, it } from 'vitest';
import * as status from '../../../src/cli/commands/status.ts';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import type { Output } from '../../../src/cli/output.ts';
import { describeOutcome } from '../../../src/cli/output.ts';
import { followAndReport } from '../../../src/cli/report-run.ts';
import type { RunView } from '../../../src/domain/run-view.ts';

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const NEWER = '01JDQ9000000000000000000AB';
const superseded: RunView = {
  id: RUN,
  app: 'web',
  status: 'SUPERSEDED',
  startedAt: '2026-11-30T10:00:00.000Z',
  endedAt: '2026-11-30T10:00:20.000Z',
  steps: [
    { name: 'prepare', status: 'SUCCEEDED', retries: 0 },
    { name: 'build', status: 'SUCCEEDED', retries: 0 },
    { name: 'lifecycle', status: 'SUCCEEDED', retries: 0 },
    { name: 'deploy', status: 'SUCCEEDED', retries: 0 },
    { name: 'rollout', status: 'SKIPPED', retries: 0 },
  ],
  superseded: { by: NEWER, at: '2026-11-30T10:00:19.000Z', step: 'deploy' },
};

function recorder(): Output & { lines: string[] } {
  const lines: string[] = [];
  return {
    json: false,
    lines,
    line: (text) => lines.push(text),
    event: () => undefined,
    error: (text) => lines.push(text),
  };
}

const client = {
  pollMs: 1,
  request: async () => superseded,
  exchange: async () => ({ body: superseded, headers: new Headers() }),
} as unknown as ApiClient;

describe('a superseded run in the CLI', () => {
  it('says which newer run deploys instead, and how to follow it', () => {
    expect(describeOutcome(superseded)).toEqual([
      `superseded web: run ${RUN} did not deploy, because newer run ${NEWER} of the same app deploys (newest upload wins).`,
      `follow the newer run: slipway status ${NEWER} --follow`,
    ]);
  });

  it('says a run superseded while rolling out stopped following its rollout', () => {
    expect(describeOutcome({ ...superseded, superseded: { ...superseded.superseded!, step: 'rollout' } })[0]).toContain(
      'stopped following its rollout',
    );
  });

  it('exits 0 from deploy, rollback and status --follow', async () => {
    const out = recorder();
    expect(await followAndReport(client, RUN, out)).toBe(0);
    expect(out.lines.join('\n')).toContain(`newer run ${NEWER}`);
  });

  it('exits 0 from status', async () => {
    const out = recorder();
    expect(await status.run({ runId: RUN, json: false }, { client, out })).toBe(0);
    expect(out.lines[0]).toContain('SUPERSEDED');
  });
});
