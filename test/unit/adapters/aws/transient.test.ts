import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../src/domain/errors.ts';
import { callAws, isTransient, toTransient } from '../../../../src/adapters/aws/transient.ts';
import { awsError } from './aws-error.ts';

describe('transient', () => {
  it.each([
    ['ThrottlingException', awsError('ThrottlingException', 400), true],
    ['TooManyRequestsException', awsError('TooManyRequestsException', 429), true],
    [
      'an error the SDK marks $retryable',
      Object.assign(awsError('LimitExceeded', 400), { $retryable: { throttling: true } }),
      true,
    ],
    ['a 500', awsError('InternalServerError', 500), true],
    ['a 503 of any name', awsError('SomethingUnavailable', 503), true],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['AccessDeniedException (400)', awsError('AccessDeniedException', 400), false],
    ['RepositoryNotFoundException (400)', awsError('RepositoryNotFoundException', 400), false],
    ['a string', 'boom', false],
  ])('isTransient says whether %s is worth retrying', (_label, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });

  it('wraps a transient error in a TransientError that keeps it as the cause', () => {
    const original = awsError('ThrottlingException', 400, 'Rate exceeded');

    const mapped = toTransient(original, 'ECR DescribeImages of "hello"');

    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped).toMatchObject({ name: 'TransientError', cause: original });
    expect((mapped as Error).message).toContain(
      'ECR DescribeImages of "hello" failed for now (ThrottlingException: Rate exceeded)',
    );
  });

  it('passes a non-transient error through unchanged', async () => {
    const original = awsError('AccessDeniedException', 400);

    await expect(callAws('ECR DescribeImages', () => Promise.reject(original))).rejects.toBe(original);
  });

  it('returns the result of a call that succeeds', async () => {
    await expect(callAws('ECR DescribeImages', () => Promise.resolve(42))).resolves.toBe(42);
  });
});
