import { describe, expect, it } from 'vitest';
import { failureFromLog, withLogTail } from '../../../../src/adapters/aws/codebuild-log-tail.ts';

const enter = (phase: string) => `[Container] 2024/11/20 10:00:20.101 Entering phase ${phase}`;

describe('codebuild-log-tail', () => {
  it.each([
    [
      'the error of the failed phase',
      [
        enter('PRE_BUILD'),
        'slipway: error: ContextPathNotFound: api',
        enter('POST_BUILD'),
        'slipway: error: DigestNotFound: x',
      ],
      'PRE_BUILD',
      'ContextPathNotFound: api',
    ],
    [
      'the last error when no phase marker is in the tail',
      ['slipway: error: InvalidInput: a', 'slipway: error: ImagePushFailed: b'],
      'BUILD',
      'ImagePushFailed: b',
    ],
    [
      'the last error when the failed phase printed none',
      [enter('BUILD'), 'slipway: error: ImageBuildFailed: c', enter('POST_BUILD')],
      'POST_BUILD',
      'ImageBuildFailed: c',
    ],
    ['nothing when the build printed no error line', [enter('BUILD'), 'npm ERR! code 1'], 'BUILD', undefined],
  ])('finds %s', (_, lines, phase, expected) => {
    expect(failureFromLog(lines, phase)).toBe(expected);
  });

  it('leaves the state as it is without log lines', () => {
    const state = {
      buildId: 'b',
      status: 'FAILED' as const,
      phase: 'COMPLETED',
      failure: { phase: 'BUILD', message: 'exit status 1' },
    };

    expect(withLogTail(state, [])).toBe(state);
    expect(withLogTail(state, undefined)).toBe(state);
  });

  it('names a failure the build reported no phase for by the phase it was in', () => {
    const state = { buildId: 'b', status: 'TIMED_OUT' as const, phase: 'BUILD' };

    expect(withLogTail(state, ['slipway: error: ImageBuildFailed: d']).failure).toEqual({
      phase: 'BUILD',
      message: 'ImageBuildFailed: d',
    });
  });
});
