import { CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ApiError, StackNotRunningError } from '../../../src/cli/api-client.ts';
import { EXIT_CODES, exitCodeOf } from '../../../src/cli/exit-codes.ts';
import {
  BuildFailedError,
  ContextTooLargeError,
  type ErrorKind,
  InvalidConfigError,
  InvalidInputError,
  RunNotFoundError,
  TransientError,
  UnknownAppError,
} from '../../../src/domain/errors.ts';

describe('exit codes', () => {
  it.each<[ErrorKind, number]>([
    ['invalid', 2],
    ['not-found', 2],
    ['conflict', 2],
    ['too-large', 2],
    ['failed', 1],
    ['unavailable', 3],
    ['internal', 3],
  ])('maps kind %s to %i', (kind, code) => {
    expect(EXIT_CODES[kind]).toBe(code);
  });

  it.each<[string, unknown, number]>([
    ['a bad flag value', new InvalidInputError('--limit must be a whole number from 1 to 100 (got "0").'), 2],
    ['an invalid config', new InvalidConfigError('bad config'), 2],
    ['an unknown app', new UnknownAppError('web', ['hello']), 2],
    ['an unknown run', new RunNotFoundError('01J0000000'), 2],
    ['a context over its limit', new ContextTooLargeError('hello', 2048, 1024), 2],
    ['a failed build', new BuildFailedError('build failed', 'build-1'), 1],
    ['a throttled dependency', new TransientError('throttled'), 3],
    ['a stack that is not running', new StackNotRunningError('The local stack is not running.'), 3],
    ['an API refusal with the server kind', new ApiError('No run "x".', 404, 'RunNotFoundError', 'not-found'), 2],
    ['an API that did not answer', new ApiError('did not answer', 0), 3],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), 3],
    ['something thrown that is not an Error', 'boom', 3],
  ])('exits with the code of its kind for %s', (_name, error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });

  it.each<[string, CommanderError, number]>([
    ['an unknown option', new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"), 2],
    [
      'a missing argument',
      new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'dir'"),
      2,
    ],
    ['an option value commander refused', new InvalidArgumentError('not a number'), 2],
    ['--help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 0],
    ['--version', new CommanderError(0, 'commander.version', '0.1.0'), 0],
  ])('treats %s from commander as usage', (_name, error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});
