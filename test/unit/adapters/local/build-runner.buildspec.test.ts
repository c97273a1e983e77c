import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILDSPEC_PATH } from '../../../../buildspec/index.ts';
import { InvalidBuildspecError, parseBuildspec } from '../../../../src/adapters/local/build-runner/index.ts';

function issuesOf(yaml: string): readonly string[] {
  try {
    parseBuildspec(yaml);
  } catch (error) {
    if (error instanceof InvalidBuildspecError) return error.issues;
    throw error;
  }
  return [];
}

describe('parseBuildspec', () => {
  it('reads the project buildspec: defaults, exported IMAGE_DIGEST and three phases', () => {
    const spec = parseBuildspec(readFileSync(BUILDSPEC_PATH, 'utf8'));

    expect(spec.version).toBe('0.2');
    expect(spec.variables).toMatchObject({
      SLIPWAY_CONTEXT_PATH: '.',
      SLIPWAY_DOCKERFILE: 'Dockerfile',
      SLIPWAY_REGISTRY_LOGIN: 'ecr',
    });
    expect(spec.exportedVariables).toEqual(['IMAGE_DIGEST']);
    expect(spec.phases.install.commands).toEqual([]);
    expect([spec.phases.pre_build, spec.phases.build, spec.phases.post_build].every((p) => p.commands.length > 0)).toBe(
      true,
    );
  });

  it('reads on-failure and finally', () => {
    const spec = parseBuildspec(
      'version: 0.2\nphases:\n  build:\n    on-failure: CONTINUE\n    commands: [make]\n    finally: [echo done]\n',
    );

    expect(spec.phases.build).toEqual({ commands: ['make'], finally: ['echo done'], onFailure: 'CONTINUE' });
  });

  it('reads scalar commands that YAML typed as booleans or numbers as text', () => {
    expect(
      parseBuildspec('version: 0.2\nphases:\n  build:\n    commands: [false, 42]\n').phases.build.commands,
    ).toEqual(['false', '42']);
  });

  it.each([
    ['version: 0.3\nphases: {}\n', 'version: must be 0.2 (or 0.1), not "0.3"'],
    ['version: 0.2\nphase: {}\n', 'phase: unknown key'],
    ['version: 0.2\nphases:\n  biuld:\n    commands: [make]\n', 'phases.biuld: unknown key'],
    ['version: 0.2\nphases:\n  build:\n    command: [make]\n', 'phases.build.command: unknown key'],
    [
      'version: 0.2\nphases:\n  build:\n    commands:\n      - echo key: value\n',
      'phases.build.commands[0]: must be a string (YAML read a mapping',
    ],
    [
      'version: 0.2\nphases:\n  build:\n    on-failure: RETRY\n',
      'phases.build.on-failure: the local runner knows ABORT and CONTINUE, not "RETRY"',
    ],
    ['version: 0.2\nenv:\n  shell: powershell.exe\n', 'env.shell: the local runner runs bash'],
    [
      'version: 0.2\nenv:\n  parameter-store:\n    TOKEN: /slipway/token\n',
      'env.parameter-store: not available locally',
    ],
    ['version: 0.2\nenv:\n  variables:\n    BAD-NAME: x\n', 'env.variables.BAD-NAME: not a valid variable name'],
    [
      'version: 0.2\nenv:\n  exported-variables: [IMAGE DIGEST]\n',
      'env.exported-variables[0]: not a valid variable name',
    ],
  ])('rejects %j naming the key', (yaml, issue) => {
    expect(issuesOf(yaml).join('\n')).toContain(issue);
  });

  it('lists every problem at once', () => {
    expect(issuesOf('version: 1\nfoo: 1\nphases:\n  bar: {}\n')).toHaveLength(3);
  });

  it('rejects text that is not YAML', () => {
    expect(issuesOf('version: [0.2\n')[0]).toMatch(/^not valid YAML/);
  });

  it('ignores keys that matter only in AWS', () => {
    expect(issuesOf('version: 0.2\nartifacts:\n  files: ["**/*"]\ncache:\n  paths: []\nphases: {}\n')).toEqual([]);
  });
});
