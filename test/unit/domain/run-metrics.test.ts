import { describe, expect, it } from 'vitest';
import { runMetrics } from '../../../src/domain/run-metrics.ts';
import type { RunState } from '../../../src/domain/run-state.ts';

const NOW = new Date('2026-12-01T10:05:00Z');
const base: RunState = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'contexts/hello/x.tar.gz' },
};
const build = (status: string, startedAt?: string): RunState => ({
  ...base,
  build: { id: 'b', status, phase: 'COMPLETED', ...(startedAt && { startedAt }) },
});
const deployment = (state: string, startedAt?: string): RunState => ({
  ...base,
  deployment: {
    id: 'd',
    taskDefinition: 'td',
    revision: 2,
    state,
    deadline: '2026-12-01T11:00:00Z',
    ...(startedAt && { startedAt }),
  },
});

describe('runMetrics', () => {
  it.each([
    [
      'a succeeded build',
      'AwaitBuild',
      build('SUCCEEDED', '2026-12-01T10:02:00Z'),
      [{ name: 'BuildSeconds', unit: 'Seconds', value: 180, dimensions: { app: 'hello' } }],
    ],
    ['a build still running', 'AwaitBuild', build('IN_PROGRESS', '2026-12-01T10:02:00Z'), []],
    [
      'a run superseded at Deploy',
      'Deploy',
      {
        ...base,
        superseded: { by: '01JDQ9000000000000000000AB', at: '2026-12-01T10:04:00Z', step: 'deploy' as const },
      },
      [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'SUPERSEDED' } }],
    ],
    [
      'a run superseded while rolling out',
      'AwaitRollout',
      {
        ...deployment('IN_PROGRESS'),
        superseded: { by: '01JDQ9000000000000000000AB', at: '2026-12-01T10:04:00Z', step: 'rollout' as const },
      },
      [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'SUPERSEDED' } }],
    ],
    [
      'a run whose image already served',
      'Deploy',
      { ...base, unchanged: { digest: 'sha256:x', taskDefinition: 'hello:3', revision: 3, message: 'unchanged' } },
      [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'UNCHANGED' } }],
    ],
    ['a build without its start time', 'AwaitBuild', build('SUCCEEDED'), []],
    [
      'a completed rollout',
      'AwaitRollout',
      deployment('COMPLETED', '2026-12-01T10:04:30Z'),
      [
        { name: 'RolloutSeconds', unit: 'Seconds', value: 30, dimensions: { app: 'hello' } },
        { name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'SUCCEEDED' } },
      ],
    ],
    [
      'a completed rollout without its start time',
      'AwaitRollout',
      deployment('COMPLETED'),
      [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'SUCCEEDED' } }],
    ],
    ['a rollout in progress', 'AwaitRollout', deployment('IN_PROGRESS', '2026-12-01T10:04:30Z'), []],
    [
      'a failed run',
      'ReportFailure',
      base,
      [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'FAILED' } }],
    ],
    ['a step that measures nothing', 'Prepare', base, []],
  ])('measures %s', (_label, task, state, expected) => {
    expect(runMetrics(task, state, NOW)).toEqual(expected);
  });
});
