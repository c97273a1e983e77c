import { SlipwayError, type ErrorKind } from '../../../domain/errors.ts';

/** A `docker` command failed: the engine is down, the image is missing, or the engine refused the request. */
export class DockerCommandError extends SlipwayError {
  override name = 'DockerCommandError';
  override readonly kind: ErrorKind = 'unavailable';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(
      `docker ${args.slice(0, 2).join(' ')} failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${stderr.trim() || 'no output'}. ` +
        `Check that the Docker engine answers (docker info), or run: npm run prereqs`,
      options,
    );
  }
}

/** A task names a secret that has no value on this machine. The message names where to put it, never a value. */
export class SecretNotFoundError extends SlipwayError {
  override name = 'SecretNotFoundError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    readonly app: string,
    readonly variable: string,
    readonly ref: string,
    where: string,
  ) {
    super(`Secret ${variable} of app "${app}" (${ref}) has no value on this machine. ${where}, then deploy again.`);
  }
}

/** The local secrets file cannot be used. The message never quotes its content. */
export class InvalidSecretsFileError extends SlipwayError {
  override name = 'InvalidSecretsFileError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(
      `The local secrets file ${file} ${problem}. It must be a JSON object of strings: { "<secret ARN or variable name>": "<value>" }.`,
    );
  }
}
