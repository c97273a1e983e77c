import { InvalidInputError } from '../../../domain/errors.ts';
import type { BuildRequest } from '../../../ports/build-runner.ts';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `validateBuildRequest(request)` throws InvalidInputError naming every field the buildspec could not take. */
export function validateBuildRequest(request: BuildRequest): void {
  const issues: string[] = [];
  if (!request.context?.bucket || !request.context.key)
    issues.push('context: needs the bucket and key of the context tar.gz');
  if (/[\n\r]/.test(`${request.context?.bucket ?? ''}${request.context?.key ?? ''}`))
    issues.push('context: the bucket and key cannot hold a line break');
  // The app names the build id (slipway-<app>:<uuid>) and its folder under the work dir.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(request.app))
    issues.push(`app: "${request.app}" must be letters, digits, ".", "_" or "-"`);
  if (!request.runId) issues.push('runId: required');
  if (!request.imageRepository || /\s/.test(request.imageRepository) || request.imageRepository.includes('@')) {
    issues.push(`imageRepository: must be a repository URI without tag or digest, not "${request.imageRepository}"`);
  }
  if (request.imageTags.length === 0) issues.push('imageTags: at least one tag is needed');
  for (const tag of request.imageTags) {
    if (!TAG.test(tag))
      issues.push(`imageTags: "${tag}" is not a valid tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`);
  }
  for (const [key, value] of Object.entries(request.buildArgs)) {
    if (!BUILD_ARG.test(key)) issues.push(`buildArgs.${key}: not a valid build arg name`);
    // The buildspec receives build args as KEY=VALUE lines.
    if (/[\n\r]/.test(value)) issues.push(`buildArgs.${key}: a value cannot hold a line break`);
  }
  for (const [field, value] of [
    ['contextPath', request.contextPath],
    ['dockerfile', request.dockerfile],
  ] as const) {
    if (/[\n\r]/.test(value ?? '')) issues.push(`${field}: cannot hold a line break`);
  }
  if (issues.length > 0) {
    throw new InvalidInputError(
      `The build request for app "${request.app}" is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
      issues,
    );
  }
}

/**
 * `buildspecEnvironment(request, 'none', '/…/context.tar.gz')` → the SLIPWAY_* variables buildspec/buildspec.yml reads.
 * Optional inputs are left out rather than set empty, so the buildspec's own defaults apply.
 */
export function buildspecEnvironment(
  request: BuildRequest,
  registryLogin: 'ecr' | 'none',
  contextFile?: string,
): Record<string, string> {
  return {
    SLIPWAY_APP: request.app,
    SLIPWAY_RUN_ID: request.runId,
    SLIPWAY_CONTEXT_BUCKET: request.context.bucket,
    SLIPWAY_CONTEXT_KEY: request.context.key,
    // The runner fetched the context itself (DOWNLOAD_SOURCE): the buildspec unpacks this file instead of calling `aws s3 cp`.
    ...(contextFile !== undefined && { SLIPWAY_CONTEXT_FILE: contextFile }),
    SLIPWAY_CONTEXT_PATH: request.contextPath || '.',
    SLIPWAY_DOCKERFILE: request.dockerfile || 'Dockerfile',
    SLIPWAY_IMAGE_REPOSITORY: request.imageRepository,
    SLIPWAY_IMAGE_TAGS: request.imageTags.join(' '),
    SLIPWAY_BUILD_ARGS: Object.entries(request.buildArgs)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
    SLIPWAY_REGISTRY_LOGIN: registryLogin,
    ...(request.target && { SLIPWAY_TARGET: request.target }),
    ...(request.platform && { SLIPWAY_PLATFORM: request.platform }),
  };
}

/** The variables CodeBuild sets in every build, with local values. */
export function codebuildEnvironment(build: {
  buildId: string;
  buildNumber: number;
  srcDir: string;
  startTime: Date;
}): Record<string, string> {
  const [project = '', uuid = ''] = build.buildId.split(':');
  return {
    CODEBUILD_BUILD_ID: build.buildId,
    CODEBUILD_BUILD_ARN: `arn:aws:codebuild:local:000000000000:build/${build.buildId}`,
    CODEBUILD_BUILD_NUMBER: String(build.buildNumber),
    CODEBUILD_SRC_DIR: build.srcDir,
    CODEBUILD_BUILD_SUCCEEDING: '1',
    CODEBUILD_INITIATOR: 'slipway-local',
    CODEBUILD_PROJECT_ARN: `arn:aws:codebuild:local:000000000000:project/${project}`,
    CODEBUILD_LOG_PATH: uuid,
    CODEBUILD_START_TIME: String(build.startTime.getTime()),
    // There is no source version: the runner fetches the context by bucket and key (CodeBuild runs the project with NO_SOURCE).
  };
}
