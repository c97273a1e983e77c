import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/domain/errors.ts';
import type { RunState } from '../../../src/domain/run-state.ts';
import {
  appOfRolloutWaitKey,
  buildIdOfArn,
  buildWaitKey,
  isRetried,
  parseWaitRecord,
  rolloutWaitKey,
  serviceNameOfArn,
  waitIsOver,
  waitKey,
} from '../../../src/domain/waits.ts';

const base: RunState = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'contexts/hello/01JDQ8ZV7N2W4Y6A8C0E2G4J6M.tar.gz' },
};
const build = (status: string) => ({ ...base, build: { id: 'slipway-prod-build:4f1c', status, phase: 'BUILD' } });
const rollout = (state: string) => ({
  ...base,
  deployment: { id: 'ecs-svc/1', taskDefinition: 'hello:2', revision: 2, state, deadline: '2026-01-01T00:00:00Z' },
});

describe('waits', () => {
  it('keys a build wait by the build id, escaped for a key', () => {
    expect(buildWaitKey('slipway-prod-build:4f1c')).toBe('waits/builds/slipway-prod-build%3A4f1c.json');
  });

  it("keys a rollout wait by app and deployment (the event names it), escaped, so an app's waits list together", () => {
    expect(rolloutWaitKey('hello', 'ecs-svc/4821')).toBe('waits/rollouts/hello/ecs-svc%2F4821.json');
    expect(appOfRolloutWaitKey(rolloutWaitKey('hello', 'ecs-svc/4821'))).toBe('hello');
  });

  it.each([
    ['waits/builds/x.json', undefined],
    ['waits/rollouts/', undefined],
  ])('finds no app in %s', (key, app) => {
    expect(appOfRolloutWaitKey(key)).toBe(app);
  });

  it.each<[string, 'build' | 'rollout', RunState, string | undefined]>([
    ['a build', 'build', build('IN_PROGRESS'), 'waits/builds/slipway-prod-build%3A4f1c.json'],
    ['a rollout', 'rollout', rollout('IN_PROGRESS'), 'waits/rollouts/hello/ecs-svc%2F1.json'],
    ['no build', 'build', base, undefined],
    ['no deployment', 'rollout', base, undefined],
  ])('keys the wait on %s', (_name, kind, state, key) => {
    expect(waitKey(kind, state)).toBe(key);
  });

  it.each<[string, 'build' | 'rollout', RunState, boolean]>([
    ['a build in progress', 'build', build('IN_PROGRESS'), false],
    ['a build that succeeded', 'build', build('SUCCEEDED'), true],
    ['a rollout in progress', 'rollout', rollout('IN_PROGRESS'), false],
    ['a completed rollout', 'rollout', rollout('COMPLETED'), true],
    [
      'a rollout a newer run superseded',
      'rollout',
      { ...rollout('IN_PROGRESS'), superseded: { by: '01Z', at: '2026-01-01T00:00:00Z', step: 'rollout' } },
      true,
    ],
  ])('tells whether the wait on %s is over: %s', (_name, kind, state, over) => {
    expect(waitIsOver(kind, state)).toBe(over);
  });

  it.each([
    [new TransientError('throttled'), true],
    [Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), true],
    [Object.assign(new Error('failed in BUILD'), { name: 'BuildFailedError' }), false],
    ['not an error', false],
  ])('leaves %s to the retries: %s', (error, retried) => {
    expect(isRetried(error)).toBe(retried);
  });

  it('reads a wait record back, and nothing from what is not one', () => {
    const record = { token: 't', state: base, since: '2026-01-01T00:00:00Z' };

    expect(parseWaitRecord(JSON.stringify(record))).toEqual(record);
    expect(parseWaitRecord('{"token":1}')).toBeUndefined();
    expect(parseWaitRecord('{"tok')).toBeUndefined();
  });

  it.each([
    [
      'arn:aws:codebuild:eu-west-1:123456789012:build/slipway-prod-build:8bd3c1a2-2f5e',
      'slipway-prod-build:8bd3c1a2-2f5e',
    ],
    ['arn:aws:codebuild:eu-west-1:123456789012:project/slipway-prod-build', undefined],
  ])('reads the build id StartBuild returned from the ARN %s', (arn, id) => {
    expect(buildIdOfArn(arn)).toBe(id);
  });

  it.each([
    ['arn:aws:ecs:eu-west-1:123456789012:service/prod/web', 'web'],
    ['arn:aws:ecs:eu-west-1:123456789012:service/web', 'web'],
    ['arn:aws:ecs:eu-west-1:123456789012:cluster/prod', undefined],
  ])('reads the service name from the ARN %s', (arn, name) => {
    expect(serviceNameOfArn(arn)).toBe(name);
  });
});
