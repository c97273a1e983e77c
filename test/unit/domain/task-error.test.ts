import { describe, expect, it } from 'vitest';
import { taskError } from '../../../src/domain/task-error.ts';

describe('task-error', () => {
  it.each([
    [
      'a Lambda JSON cause',
      {
        Error: 'BuildFailedError',
        Cause: JSON.stringify({ errorType: 'BuildFailedError', errorMessage: 'boom', trace: [] }),
      },
      { name: 'BuildFailedError', message: 'boom' },
    ],
    [
      'a plain cause',
      { Error: 'RolloutFailedError', Cause: 'crashed' },
      { name: 'RolloutFailedError', message: 'crashed' },
    ],
    [
      'a timeout',
      { Error: 'States.Timeout', Cause: '' },
      { name: 'States.Timeout', message: 'The step took longer than its timeout.' },
    ],
    ['no cause', { Error: 'X' }, { name: 'X', message: 'The step failed with X.' }],
    ['nothing', undefined, { name: 'UnknownError', message: 'The step failed with UnknownError.' }],
  ])('reads %s', (_name, error, expected) => {
    expect(taskError(error)).toEqual(expected);
  });
});
