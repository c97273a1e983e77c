import {  SlipwayError , type ErrorKind } from '../../../domain/errors.ts';

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

