import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../src/domain/run-state.ts';
import { stepEvents, stepTransitions } from '../../../src/domain/step-events.ts';

const state: RunState = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'k' },
};
const building = { ...state, build: { id: 'b', status: 'IN_PROGRESS', phase: 'BUILD' } };
const built = { ...state, build: { id: 'b', status: 'SUCCEEDED', phase: 'COMPLETED' } };
const rolling = {
  ...state,
  deployment: { id: 'd', taskDefinition: 't', revision: 2, state: 'IN_PROGRESS', deadline: '' },
};
const rolled = { ...state, deployment: { ...rolling.deployment, state: 'COMPLETED', url: 'http://127.0.0.1:1' } };
const reused = { ...state, reused: { tag: `key-${'a'.repeat(64)}`, digest: 'sha256:x' } };
const unchanged = { ...reused, unchanged: { digest: 'sha256:x', taskDefinition: 't', revision: 2, message: 'm' } };

describe('step-events', () => {
  it.each<[string, 'enter' | 'exit', RunState, string[]]>([
    ['Prepare', 'enter', state, ['prepare:RUNNING']],
    ['StartBuild', 'exit', building, []],
    ['AwaitBuild', 'exit', building, []],
    ['AwaitBuild', 'exit', built, ['build:SUCCEEDED']],
    ['Prepare', 'exit', reused, ['prepare:SUCCEEDED']],
    ['Deploy', 'exit', rolling, ['deploy:SUCCEEDED', 'rollout:RUNNING']],
    ['Deploy', 'exit', unchanged, ['deploy:SKIPPED', 'rollout:SKIPPED']],
    ['AwaitRollout', 'enter', rolling, []],
    ['AwaitRollout', 'exit', rolling, []],
    ['AwaitRollout', 'exit', rolled, ['rollout:SUCCEEDED']],
    [
      'ReportFailure',
      'exit',
      { ...state, failure: { step: 'rollout', name: 'RolloutFailedError', message: 'm' } },
      ['rollout:FAILED'],
    ],
    ['ReportFailure', 'exit', state, []],
  ])('%s on %s', (task, moment, runState, expected) => {
    expect(stepTransitions(task, moment, runState).map((t) => `${t.step}:${t.status}`)).toEqual(expected);
  });

  it('carries the URL when the rollout succeeds', () => {
    expect(stepEvents('AwaitRollout', 'exit', rolled)).toEqual([
      {
        runId: state.runId,
        app: 'hello',
        step: 'rollout',
        status: 'SUCCEEDED',
        trigger: { kind: 'upload' },
        url: 'http://127.0.0.1:1',
      },
    ]);
  });
});
