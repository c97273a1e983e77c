import {  SlipwayError , type ErrorKind } from '../../../domain/errors.ts';

/** `get('slipway-hello:…')` for a build this runner never started (and that has no state.json under its work dir). */
export class BuildNotFoundError extends SlipwayError {
  override name = 'BuildNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly buildId: string,
    where: string,
  ) {
    super(`No build "${buildId}" in the local build runner (looked in ${where}). Use the buildId that start() returned.`);
  }
}

/** The buildspec file is not one the local runner can execute as CodeBuild would; `issues` name each key path. */
export class InvalidBuildspecError extends SlipwayError {
  override name = 'InvalidBuildspecError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    readonly path: string,
    readonly issues: readonly string[],
  ) {
    super(`The buildspec ${path} cannot run locally:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}
