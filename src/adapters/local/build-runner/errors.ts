import { SlipwayError, type ErrorKind } from '../../../domain/errors.ts';

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
