import { CommanderError } from 'commander';
import { errorKind, type ErrorKind } from '../domain/errors.ts';

/**
 * 0 done; 1 the run (or the thing asked about) failed; 2 bad input (flags, config, an unknown app or
 * run, a context over its limit); 3 Slipway itself could not do it (stack down, API unreachable, a bug).
 */
export type ExitCode = 0 | 1 | 2 | 3;

/** The one mapping from a failure's kind to an exit code: the CLI's counterpart of the HTTP edge's status table. */
export const EXIT_CODES: Readonly<Record<ErrorKind, ExitCode>> = {
  invalid: 2,
  'not-found': 2,
  conflict: 2,
  'too-large': 2,
  failed: 1,
  unavailable: 3,
  internal: 3,
};

/** `exitCodeOf(new UnknownAppError('web', []))` → 2. A commander usage error is bad input (2); --help and --version are 0. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return EXIT_CODES[errorKind(error)];
}
