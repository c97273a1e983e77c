import { describe, expect, it } from 'vitest';
import {
  checkTaskSettings,
  containerSettings,
  hasTaskSettings,
  withTaskSettings,
} from '../../../../src/adapters/local/container-service/task-settings.ts';
import { initialTaskDefinition } from '../../../../src/domain/task-definition.ts';
import type { TaskSettings } from '../../../../src/ports/container-service.ts';

function aTask(overrides: Partial<TaskSettings> = {}): TaskSettings {
  return { cpu: 256, memory: 512, desiredCount: 1, environment: {}, secrets: {}, architecture: 'X86_64', ...overrides };
}

describe('checkTaskSettings', () => {
  it('accepts the defaults a created service gets', () => {
    expect(() => checkTaskSettings('hello', aTask())).not.toThrow();
  });

  it.each([
    [
      'a negative desiredCount',
      aTask({ desiredCount: -1 }),
      'desiredCount must be a whole number from 0 to 10 locally, got -1',
    ],
    ['a fractional desiredCount', aTask({ desiredCount: 1.5 }), 'desiredCount'],
    ['more tasks than the local limit', aTask({ desiredCount: 11 }), 'desiredCount'],
    ['no cpu', aTask({ cpu: 0 }), 'cpu must be a positive number of CPU units (1024 = 1 vCPU), got 0'],
    ['too little memory for docker', aTask({ memory: 4 }), 'memory must be a whole number of MiB, at least 6, got 4'],
    [
      'a bad variable name',
      aTask({ environment: { 'MY-VAR': 'x' } }),
      '"MY-VAR" is not a valid environment variable name',
    ],
    [
      'a variable both plain and secret',
      aTask({ environment: { DB: 'x' }, secrets: { DB: 'arn:x' } }),
      'DB is both in environment and in secrets',
    ],
    ['a secret without a reference', aTask({ secrets: { DB: '' } }), 'secret DB needs the ARN'],
  ])('rejects %s', (_case, task, issue) => {
    expect(() => checkTaskSettings('hello', task)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', issues: [expect.stringContaining(issue)] }),
    );
  });

  it('names the app and lists every issue at once', () => {
    expect(() => checkTaskSettings('hello', aTask({ cpu: -1, memory: 1 }))).toThrow(
      /^The task settings of app "hello" cannot run: cpu .*; memory .*\.$/,
    );
  });
});

describe('withTaskSettings', () => {
  const initial = initialTaskDefinition('hello', 'web', 'img@sha256:1', 8080);

  it('sets the task cpu, memory and architecture', () => {
    const rendered = withTaskSettings(initial, 'web', aTask({ cpu: 1024, memory: 2048, architecture: 'ARM64' }));

    expect(rendered).toMatchObject({
      cpu: '1024',
      memory: '2048',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    });
  });

  it('replaces the container environment and secrets, secrets as references', () => {
    const previous = withTaskSettings(
      initial,
      'web',
      aTask({ environment: { OLD: '1' }, secrets: { GONE: 'arn:gone' } }),
    );

    const rendered = withTaskSettings(
      previous,
      'web',
      aTask({ environment: { MODE: 'prod' }, secrets: { DB: 'arn:db' } }),
    );

    expect(rendered.containerDefinitions[0]).toMatchObject({
      environment: [{ name: 'MODE', value: 'prod' }],
      secrets: [{ name: 'DB', valueFrom: 'arn:db' }],
    });
  });

  it('leaves the other containers alone', () => {
    const sidecar = { name: 'sidecar', image: 'envoy', environment: [{ name: 'KEEP', value: 'yes' }] };

    const rendered = withTaskSettings(
      { ...initial, containerDefinitions: [...initial.containerDefinitions, sidecar] },
      'web',
      aTask({ environment: { MODE: 'prod' } }),
    );

    expect(rendered.containerDefinitions[1]).toEqual(sidecar);
  });
});

describe('hasTaskSettings', () => {
  const revision = (task: TaskSettings) =>
    withTaskSettings(initialTaskDefinition('hello', 'web', 'img', 8080), 'web', task) as never;

  it('is true for a revision rendered with the same settings', () => {
    const task = aTask({ environment: { A: '1' }, secrets: { S: 'arn:s' } });
    expect(hasTaskSettings(revision(task), 'web', task)).toBe(true);
  });

  it.each<[string, Partial<TaskSettings>]>([
    ['cpu', { cpu: 512 }],
    ['memory', { memory: 1024 }],
    ['architecture', { architecture: 'ARM64' }],
    ['an environment value', { environment: { A: '2' } }],
    ['a secret reference', { secrets: { S: 'arn:other' } }],
  ])('is false when %s changed', (_what, change) => {
    const task = aTask({ environment: { A: '1' }, secrets: { S: 'arn:s' } });
    expect(hasTaskSettings(revision(task), 'web', { ...task, ...change })).toBe(false);
  });
});

describe('containerSettings', () => {
  it('reads the environment, secret references, entry point and command of the named container', () => {
    const definition = {
      containerDefinitions: [
        {
          name: 'web',
          environment: [{ name: 'MODE', value: 'prod' }, { name: 'EMPTY' }],
          secrets: [{ name: 'DB', valueFrom: 'arn:db' }],
          entryPoint: ['sh', '-c'],
          command: ['serve'],
        },
      ],
    };

    expect(containerSettings(definition, 'web')).toEqual({
      env: { MODE: 'prod', EMPTY: '' },
      secrets: { DB: 'arn:db' },
      entryPoint: ['sh', '-c'],
      command: ['serve'],
    });
  });

  it('reads nothing for a container the definition does not have', () => {
    expect(containerSettings({ containerDefinitions: [] }, 'web')).toEqual({ env: {}, secrets: {} });
  });
});
