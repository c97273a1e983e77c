import { describe, expect, it } from 'vitest';
import type { ExecutionSummary } from '../../../src/domain/execution.ts';
import { runSummary } from '../../../src/domain/run-view.ts';

const base: ExecutionSummary = {
  runId: '01JD0000000000000000000001',
  app: 'web',
  status: 'SUCCEEDED',
  startedAt: '2026-12-01T10:00:00.000Z',
  stoppedAt: '2026-12-01T10:01:00.000Z',
};
const superseded = { by: '01JD0000000000000000000002', at: '2026-12-01T10:00:30.000Z', step: 'deploy' as const };

describe('runSummary', () => {
  it.each<[string, Partial<ExecutionSummary>, string, boolean]>([
    ['a deployed run', { output: { app: 'web', deployment: { state: 'COMPLETED' } } }, 'SUCCEEDED', false],
    ['a run superseded before it deployed', { output: { app: 'web', superseded } }, 'SUPERSEDED', true],
    [
      'a run whose image already served',
      { output: { app: 'web', unchanged: { digest: 'sha256:x' } } },
      'SUCCEEDED',
      false,
    ],
    ['a succeeded run whose output the engine did not give', {}, 'SUCCEEDED', false],
    ['a succeeded run with an output that is not an object', { output: 'done' }, 'SUCCEEDED', false],
    [
      'a failed run (its output is never a supersession)',
      { status: 'FAILED', output: { superseded } },
      'FAILED',
      false,
    ],
    ['a running run', { status: 'RUNNING', stoppedAt: undefined }, 'RUNNING', false],
  ])('%s → %s', (_, change, status, hasBy) => {
    const summary = runSummary({ ...base, ...change });
    expect(summary.status).toBe(status);
    expect(summary.superseded !== undefined).toBe(hasBy);
    expect(summary).not.toHaveProperty('output');
    expect(summary.note).toBe(JSON.stringify(change.output ?? {}).includes('unchanged') ? 'unchanged' : undefined);
  });
});
