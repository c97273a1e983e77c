import { describe, expect, it } from 'vitest';
import { BuildProgress, TAIL_LINES } from '../../../../src/adapters/local/build-runner/index.ts';
import { parseSlipwayErrorLine } from '../../../../src/domain/build-error-line.ts';

const at = (text: string): string => `[Container] 2025/01/02 03:04:05.678901 ${text}`;
const clock = (): (() => Date) => {
  let tick = 0;
  return () => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, (tick += 1)));
};

function feed(lines: string[]): BuildProgress {
  const progress = new BuildProgress(clock());
  progress.enter('SUBMITTED');
  for (const line of lines) progress.onLine(line);
  return progress;
}

describe('BuildProgress', () => {
  it('follows the phase from the Entering phase lines', () => {
    const progress = feed([
      at('Entering phase INSTALL'),
      at('Phase complete: INSTALL State: SUCCEEDED'),
      at('Entering phase PRE_BUILD'),
    ]);

    expect(progress.phase).toBe('PRE_BUILD');
    expect(progress.phases.map((p) => `${p.phaseType}=${p.phaseStatus}`)).toEqual([
      'SUBMITTED=SUCCEEDED',
      'INSTALL=SUCCEEDED',
      'PRE_BUILD=IN_PROGRESS',
    ]);
  });

  it('stamps phases with the injected clock', () => {
    const progress = feed([at('Entering phase INSTALL')]);

    expect(progress.phases[1]).toMatchObject({ startTime: '2025-01-02T03:04:05.003Z' });
  });

  it('takes the failure from the slipway: error: line of the failed phase', () => {
    const progress = feed([
      at('Entering phase PRE_BUILD'),
      'slipway: error: DockerfileNotFound: docker/Dockerfile',
      at('Command did not exit successfully [ -f x ] exit status 1'),
      at('Phase complete: PRE_BUILD State: FAILED'),
    ]);

    expect(progress.failure()).toEqual({ phase: 'PRE_BUILD', message: 'DockerfileNotFound: docker/Dockerfile' });
  });

  it('falls back to the last output line and the exit status when there is no slipway: error: line', () => {
    const progress = feed([
      at('Entering phase BUILD'),
      'make: *** [all] Error 2',
      '',
      at('Command did not exit successfully make exit status 2'),
      at('Phase complete: BUILD State: FAILED'),
      at('Entering phase POST_BUILD'),
      'post build output',
    ]);

    expect(progress.failure()).toEqual({
      phase: 'BUILD',
      message: 'make: *** [all] Error 2 (command "make" exited with status 2)',
    });
  });

  it('reports a shell that died without phase lines by its exit status', () => {
    const progress = feed(['bash: build.sh: No such file or directory']);

    expect(progress.failure({ code: 127, signal: null })).toEqual({
      phase: 'SUBMITTED',
      message: 'bash: build.sh: No such file or directory (the build shell exited with status 127)',
    });
  });

  it('has no failure for a clean exit', () => {
    expect(
      feed([at('Entering phase BUILD'), at('Phase complete: BUILD State: SUCCEEDED')]).failure({
        code: 0,
        signal: null,
      }),
    ).toBeUndefined();
  });

  it(`keeps the last ${TAIL_LINES} lines as the tail`, () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);

    expect(feed(lines).logTail('IN_PROGRESS')).toEqual(lines.slice(-TAIL_LINES));
  });

  it('ends the tail of a failed build at the failing command, not at later phases', () => {
    const failing = at('Command did not exit successfully docker build exit status 1');
    const progress = feed(['ERROR: RUN step failed', failing, ...Array.from({ length: 30 }, (_, i) => `post ${i}`)]);

    expect(progress.logTail('FAILED').slice(-2)).toEqual(['ERROR: RUN step failed', failing]);
  });

  it('counts every line, so a log cursor and the file agree', () => {
    expect(feed(['a', '', at('Entering phase BUILD')]).lineCount).toBe(3);
  });
});

describe('parseSlipwayErrorLine', () => {
  it.each([
    ['slipway: error: DockerfileNotFound: Dockerfile', { kind: 'DockerfileNotFound', message: 'Dockerfile' }],
    [
      '  slipway: error: ImagePushFailed: could not push r:t  ',
      { kind: 'ImagePushFailed', message: 'could not push r:t' },
    ],
    ['slipway: building hello', undefined],
    ['#5 0.2 slipway: error: Fake: printed by a RUN step', undefined],
  ])('parses %j', (line, expected) => {
    expect(parseSlipwayErrorLine(line)).toEqual(expected);
  });
});
