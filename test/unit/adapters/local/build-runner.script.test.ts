import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bashQuote } from '../../../../src/adapters/local/build-runner/index.ts';
import { phases, runBuildspec } from './build-runner.fixtures.ts';

const entered = (markers: string[]): string[] =>
  markers.flatMap((m) => /^Entering phase (\w+)$/.exec(m)?.slice(1) ?? []);
const completed = (markers: string[]): string[] =>
  markers.flatMap((m) => /^Phase complete: (\w+) State: (\w+)$/.exec(m)?.slice(1).join('=') ?? []);

describe('renderBuildScript: variables and working directory', () => {
  it('keeps exported and plain variables from pre_build for build', () => {
    const run = runBuildspec(phases({ pre_build: ['export A=exported', 'B=plain'], build: ['echo "$A $B"'] }));

    expect(run.output).toEqual(['exported plain']);
  });

  it('keeps the working directory between commands and phases', () => {
    const run = runBuildspec(
      phases({ pre_build: ['mkdir -p sub/dir && cd sub'], build: ['cd dir', 'basename "$PWD"'] }),
    );

    expect(run.output).toEqual(['dir']);
  });

  it('treats env.variables as defaults the caller can override', () => {
    const spec = phases(
      { build: ['echo "$KEEP $CHANGE"'] },
      "env:\n  variables:\n    KEEP: kept\n    CHANGE: 'from buildspec'\n",
    );

    expect(runBuildspec(spec, { CHANGE: 'from caller' }).output).toEqual(['kept from caller']);
  });

  it('gives commands no positional parameters', () => {
    expect(runBuildspec(phases({ build: ['echo "$#:${1-none}"'] })).output).toEqual(['0:none']);
  });
});

describe('renderBuildScript: phase transitions', () => {
  it('runs every phase in order when all succeed, then exits 0', () => {
    const run = runBuildspec(phases({ build: ['true'] }));

    expect(entered(run.markers)).toEqual([
      'INSTALL',
      'PRE_BUILD',
      'BUILD',
      'POST_BUILD',
      'UPLOAD_ARTIFACTS',
      'FINALIZING',
    ]);
    expect(run.code).toBe(0);
  });

  it('skips the rest of a phase after a failing command', () => {
    const run = runBuildspec(phases({ build: ['echo one', 'false', 'echo two'] }));

    expect(run.output).toEqual(['one']);
    expect(run.markers).toContain('Command did not exit successfully false exit status 1');
    expect(run.code).toBe(1);
  });

  it.each(['install', 'pre_build'] as const)('ends the build when %s fails: later phases do not run', (phase) => {
    const run = runBuildspec(phases({ [phase]: ['false'], build: ['echo build'], post_build: ['echo post'] }));

    expect(run.output).toEqual([]);
    expect(entered(run.markers).slice(-2)).toEqual([phase.toUpperCase(), 'FINALIZING']);
    expect(run.code).toBe(1);
  });

  it('still runs post_build after build fails, with CODEBUILD_BUILD_SUCCEEDING=0', () => {
    const run = runBuildspec(
      phases({
        build: ['echo "during $CODEBUILD_BUILD_SUCCEEDING"', 'false'],
        post_build: ['echo "after $CODEBUILD_BUILD_SUCCEEDING"'],
      }),
    );

    expect(run.output).toEqual(['during 1', 'after 0']);
    expect(completed(run.markers)).toEqual([
      'INSTALL=SUCCEEDED',
      'PRE_BUILD=SUCCEEDED',
      'BUILD=FAILED',
      'POST_BUILD=SUCCEEDED',
      'UPLOAD_ARTIFACTS=SUCCEEDED',
    ]);
    expect(run.code).toBe(1);
  });

  it('runs the next phase after a failure when on-failure is CONTINUE', () => {
    const spec =
      'version: 0.2\nphases:\n  pre_build:\n    on-failure: CONTINUE\n    commands: [false]\n  build:\n    commands: [echo build]\n';

    expect(runBuildspec(spec).output).toEqual(['build']);
  });

  it('still fails the build when on-failure is CONTINUE', () => {
    const spec = 'version: 0.2\nphases:\n  pre_build:\n    on-failure: CONTINUE\n    commands: [false]\n';

    expect(runBuildspec(spec).code).toBe(1);
  });

  it('skips post_build after a build failure when on-failure is ABORT', () => {
    const spec =
      'version: 0.2\nphases:\n  build:\n    on-failure: ABORT\n    commands: [false]\n  post_build:\n    commands: [echo post]\n';
    const run = runBuildspec(spec);

    expect(run.output).toEqual([]);
    expect(entered(run.markers)).not.toContain('UPLOAD_ARTIFACTS');
  });

  it('runs finally after a failing command', () => {
    const spec = 'version: 0.2\nphases:\n  build:\n    commands: [false, echo skipped]\n    finally: [echo cleanup]\n';

    expect(runBuildspec(spec).output).toEqual(['cleanup']);
  });

  it('fails the phase when a finally command fails', () => {
    const spec = 'version: 0.2\nphases:\n  build:\n    commands: [echo ok]\n    finally: [false]\n';

    expect(completed(runBuildspec(spec).markers)).toContain('BUILD=FAILED');
  });
});

describe('renderBuildScript: how a command fails', () => {
  it('ends only the command on set -e, not the build', () => {
    const run = runBuildspec(phases({ build: ['set -e\nfalse\necho unreached'], post_build: ['echo post'] }));

    expect(run.output).toEqual(['post']);
    expect(run.markers).toContain('Command did not exit successfully set -e … exit status 1');
  });

  it('judges a multi-line command by its last status without set -e, as CodeBuild does', () => {
    expect(runBuildspec(phases({ build: ['false\necho masked'] })).code).toBe(0);
  });

  it('does not carry shell options over to the next command', () => {
    const run = runBuildspec(phases({ build: ['set -euo pipefail', 'false | true; echo "$UNSET_VARIABLE"done'] }));

    expect(run.output).toEqual(['done']);
    expect(run.code).toBe(0);
  });

  it.each([
    ['exit 3; echo unreached', 3],
    ['f() { exit 4; echo unreached; }; f; echo unreached', 4],
    ['[ -f /nonexistent ] || exit 5', 5],
  ])('ends only the command on %j with its status', (command, status) => {
    const run = runBuildspec(phases({ build: [command], post_build: ['echo post'] }));

    expect(run.output).toEqual(['post']);
    expect(run.markers).toContain(`Command did not exit successfully ${command} exit status ${status}`);
  });

  it('treats exit 0 as the command succeeding early', () => {
    expect(runBuildspec(phases({ build: ['exit 0; echo unreached', 'echo next'] })).output).toEqual(['next']);
  });

  it('reports the phase as failed when the shell itself dies', () => {
    const run = runBuildspec(phases({ build: ['set -u; echo "$SURELY_UNSET"'], post_build: ['echo post'] }));

    expect(completed(run.markers)).toContain('BUILD=FAILED');
    expect(run.code).not.toBe(0);
  });

  it('runs each command in its own subshell for version 0.1', () => {
    const spec = 'version: 0.1\nphases:\n  build:\n    commands: [export A=1, \'echo "A=${A-unset}"\']\n';

    expect(runBuildspec(spec).output).toEqual(['A=unset']);
  });
});

describe('renderBuildScript: exported variables', () => {
  it('writes the exported variables after the last phase, with their exact values', () => {
    const spec = phases(
      { pre_build: ['export IMAGE_DIGEST=early'], post_build: ['IMAGE_DIGEST="sha256:abc\nsecond line"'] },
      'env:\n  exported-variables: [IMAGE_DIGEST, NEVER_SET]\n',
    );

    expect(runBuildspec(spec).exported).toEqual({ IMAGE_DIGEST: 'sha256:abc\nsecond line' });
  });

  it('writes the exported variables when the build failed too', () => {
    const spec = phases({ pre_build: ['export OUT=partial', 'false'] }, 'env:\n  exported-variables: [OUT]\n');

    expect(runBuildspec(spec).exported).toEqual({ OUT: 'partial' });
  });
});

describe('bashQuote', () => {
  it.each(["it's", 'a "b" $c `d` \\e', 'line\nbreak', ''])('gives bash back %j unchanged', (value) => {
    const result = spawnSync('bash', ['-c', `printf %s ${bashQuote(value)}`], { encoding: 'utf8' });

    expect(result.stdout).toBe(value);
  });
});
