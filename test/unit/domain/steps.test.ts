import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../src/domain/run-state.ts';
import { failedStep, isWaitState, stepOfState, unchangedMessage } from '../../../src/domain/steps.ts';
import { imageTags } from '../../../src/domain/image-tags.ts';

const base: RunState = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'k' },
};
const repository = { name: 'hello', uri: 'r/hello' };
const build = { id: 'b', status: 'IN_PROGRESS', phase: 'BUILD' };
const image = { repository: 'r/hello', digest: 'sha256:x', tags: [], reference: 'r/hello@sha256:x' };
const lifecycle = { policyChanged: false, expired: [] };
const deployment = { id: 'd', taskDefinition: 'hello:1', revision: 1, state: 'IN_PROGRESS', deadline: '' };

describe('steps', () => {
  it.each([
    ['Prepare', 'prepare'],
    ['AwaitBuild', 'build'],
    ['ApplyLifecycle', 'lifecycle'],
    ['AwaitRollout', 'rollout'],
    ['RolloutFinished', 'rollout'],
    ['CheckBuild', 'build'],
    ['WaitForRollout', 'rollout'],
    ['ReportFailure', undefined],
  ])('state %s belongs to step %s', (state, step) => {
    expect(stepOfState(state)).toBe(step);
  });

  it.each<[string, RunState, string]>([
    ['nothing produced', base, 'prepare'],
    ['a repository', { ...base, repository }, 'build'],
    ['a build', { ...base, repository, build }, 'build'],
    ['an image', { ...base, repository, build, image }, 'lifecycle'],
    ['a lifecycle outcome', { ...base, repository, build, image, lifecycle }, 'deploy'],
    ['a deployment', { ...base, repository, build, image, lifecycle, deployment }, 'rollout'],
    ['an image reused for its build key', { ...base, repository, image }, 'deploy'],
    ['a rollback image', { ...base, trigger: { kind: 'rollback' }, repository, image }, 'deploy'],
  ])('a failure after %s is in step %s', (_name, state, expected) => {
    expect(failedStep(state)).toBe(expected);
  });

  it.each([
    [{ kind: 'upload' as const }, ['01JDQ8ZV7N2W4Y6A8C0E2G4J6M']],
    [
      { kind: 'webhook' as const, commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
      ['01JDQ8ZV7N2W4Y6A8C0E2G4J6M', 'git-a1b2c3d'],
    ],
    [{ kind: 'webhook' as const, commit: 'not a sha' }, ['01JDQ8ZV7N2W4Y6A8C0E2G4J6M']],
  ])('tags an image built by %j', (trigger, expected) => {
    expect(imageTags(base.runId, trigger)).toEqual(expected);
  });

  it.each([
    ['AwaitBuild', true],
    ['AwaitRollout', true],
    ['WaitForDeployTurn', false],
    ['CheckBuild', false],
  ])('tells a wait Task: %s is one: %s', (state, expected) => {
    expect(isWaitState(state)).toBe(expected);
  });

  it('tags an image with its build key too, when the run has one', () => {
    expect(imageTags(base.runId, { kind: 'upload' }, 'ab'.repeat(32))).toEqual([base.runId, `key-${'ab'.repeat(32)}`]);
  });

  it('says how an unchanged run ends', () => {
    expect(unchangedMessage('sha256:x')).toBe('unchanged: sha256:x already serves');
  });
});
