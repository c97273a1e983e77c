export { LocalBuildRunner, type LocalBuildRunnerOptions } from './local-build-runner.ts';
export {
  parseBuildspec,
  BUILDSPEC_PHASES,
  type Buildspec,
  type BuildspecPhase,
  type BuildspecPhaseName,
} from './buildspec.ts';
export { renderBuildScript, bashQuote, PHASE_TYPE } from './script.ts';
export { BuildProgress, TAIL_LINES, type PhaseRecord } from './progress.ts';
export { buildspecEnvironment, codebuildEnvironment, validateBuildRequest } from './environment.ts';
export { InvalidBuildspecError } from './errors.ts';
