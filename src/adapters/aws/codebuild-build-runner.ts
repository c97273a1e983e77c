import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  type Build,
} from '@aws-sdk/client-codebuild';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { InvalidInputError, SlipwayError } from '../../domain/errors.ts';
import type { BuildRequest, BuildRunner, BuildState, BuildStatus } from '../../ports/build-runner.ts';
import { cacheRepositoryOf } from './build-cache.ts';
import { readLogTail, withLogTail } from './codebuild-log-tail.ts';
import { BuildNotFoundError } from '../../ports/build-runner.ts';
import { awsErrorName, callAws } from './transient.ts';

export interface CodeBuildBuildRunnerOptions {
  /** The CodeBuild project that runs buildspec/buildspec.yml. */
  projectName: string;
  client?: CodeBuildClient;
  /** Reads the last lines of a failed build's log (CodeBuild's phase message alone says only "exit status 1"). */
  logsClient?: CloudWatchLogsClient;
  /** How the buildspec logs in to the registry before pushing. */
  registryLogin?: 'ecr';
}

const STATUS: Record<string, BuildStatus> = {
  IN_PROGRESS: 'IN_PROGRESS',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  FAULT: 'FAILED',
  STOPPED: 'STOPPED',
  TIMED_OUT: 'TIMED_OUT',
};
const FAILED_PHASE_STATUSES = new Set(['FAILED', 'FAULT', 'TIMED_OUT']);
/** How many of the project's latest builds to search when a retried start has to find the build it already started. */
const RECENT_BUILDS = 20;

/** The BuildRunner port over CodeBuild: one project, parameterised per run through SLIPWAY_* environment variables. */
export class CodeBuildBuildRunner implements BuildRunner {
  private readonly projectName: string;
  private readonly client: CodeBuildClient;
  private readonly logsClient: CloudWatchLogsClient;
  private readonly registryLogin: 'ecr';

  constructor(options: CodeBuildBuildRunnerOptions) {
    this.projectName = options.projectName;
    this.client = options.client ?? new CodeBuildClient({});
    this.logsClient = options.logsClient ?? new CloudWatchLogsClient({});
    this.registryLogin = options.registryLogin ?? 'ecr';
  }

  async start(request: BuildRequest): Promise<{ buildId: string }> {
    const environmentVariablesOverride = Object.entries(buildVariables(request, this.registryLogin)).map(
      ([name, value]) => ({
        name,
        value,
        type: 'PLAINTEXT' as const,
      }),
    );
    try {
      const output = await callAws(
        `CodeBuild StartBuild of project "${this.projectName}" for run ${request.runId}`,
        () =>
          this.client.send(
            new StartBuildCommand({
              projectName: this.projectName,
              // A retried Lambda must not start a second build for the same run.
              idempotencyToken: request.runId,
              environmentVariablesOverride,
            }),
          ),
      );
      const buildId = output.build?.id;
      if (!buildId)
        throw new SlipwayError(
          `CodeBuild StartBuild of project "${this.projectName}" returned no build id for run ${request.runId}.`,
        );
      return { buildId };
    } catch (error) {
      // The token was used within the last 5 minutes with other parameters (another deployment of
      // the function, other settings): a retry of this very start. Hand back the build it started.
      // Any InvalidInputException is checked: a build carrying this run id is this run's build.
      if (awsErrorName(error) === 'InvalidInputException') {
        const buildId = await this.findBuildOfRun(request.runId);
        if (buildId) return { buildId };
      }
      throw error;
    }
  }

  async get(buildId: string): Promise<BuildState> {
    const output = await callAws(`CodeBuild BatchGetBuilds of "${buildId}"`, () =>
      this.client.send(new BatchGetBuildsCommand({ ids: [buildId] })),
    );
    const build = output.builds?.find((b) => b.id === buildId);
    if (!build) throw new BuildNotFoundError(buildId, `CodeBuild project "${this.projectName}"`);
    const state = buildState(buildId, build);
    if (state.status === 'IN_PROGRESS' || state.status === 'SUCCEEDED') return state;
    // The buildspec names the failure (`slipway: error: DockerfileNotFound: …`) in the log only.
    return withLogTail(state, await readLogTail(this.logsClient, state.logs ?? {}));
  }

  private async findBuildOfRun(runId: string): Promise<string | undefined> {
    const listed = await callAws(`CodeBuild ListBuildsForProject of "${this.projectName}"`, () =>
      this.client.send(new ListBuildsForProjectCommand({ projectName: this.projectName, sortOrder: 'DESCENDING' })),
    );
    const ids = (listed.ids ?? []).slice(0, RECENT_BUILDS);
    if (ids.length === 0) return undefined;
    const output = await callAws(`CodeBuild BatchGetBuilds of the latest builds of "${this.projectName}"`, () =>
      this.client.send(new BatchGetBuildsCommand({ ids })),
    );
    const build = output.builds?.find((b) =>
      b.environment?.environmentVariables?.some((v) => v.name === 'SLIPWAY_RUN_ID' && v.value === runId),
    );
    return build?.id;
  }
}

/** `buildVariables(request, 'ecr')` → the SLIPWAY_* variables buildspec/buildspec.yml reads (the local build runner can set the same). */
export function buildVariables(request: BuildRequest, registryLogin: string): Record<string, string> {
  return {
    // Not secret: the build role's s3:GetObject is what reads it.
    SLIPWAY_CONTEXT_BUCKET: request.context.bucket,
    SLIPWAY_CONTEXT_KEY: request.context.key,
    SLIPWAY_CONTEXT_PATH: request.contextPath,
    SLIPWAY_DOCKERFILE: request.dockerfile,
    SLIPWAY_IMAGE_REPOSITORY: request.imageRepository,
    SLIPWAY_IMAGE_TAGS: request.imageTags.join(' '),
    SLIPWAY_BUILD_ARGS: buildArgLines(request),
    ...(request.target !== undefined && { SLIPWAY_TARGET: request.target }),
    ...(request.platform !== undefined && { SLIPWAY_PLATFORM: request.platform }),
    SLIPWAY_REGISTRY_LOGIN: registryLogin,
    SLIPWAY_APP: request.app,
    SLIPWAY_RUN_ID: request.runId,
    // A repository of its own, out of reach of the app's lifecycle rules; the buildspec appends the tag (`:buildcache`).
    SLIPWAY_CACHE_REPOSITORY: cacheRepositoryOf(request.imageRepository),
  };
}

function buildArgLines(request: BuildRequest): string {
  return Object.entries(request.buildArgs)
    .map(([key, value]) => {
      // One KEY=VALUE per line: a newline inside would split it into two arguments.
      if (!key || /[=\n\r]/.test(key) || /[\n\r]/.test(value)) {
        throw new InvalidInputError(
          `Build argument "${key}" of app "${request.app}" cannot be passed to the build: names must be non-empty without "=" or line breaks, and values without line breaks. Fix apps.${request.app}.buildArgs.`,
        );
      }
      return `${key}=${value}`;
    })
    .join('\n');
}

function buildState(buildId: string, build: Build): BuildState {
  const status = STATUS[build.buildStatus ?? 'IN_PROGRESS'] ?? 'IN_PROGRESS';
  const state: BuildState = { buildId, status, phase: build.currentPhase ?? 'SUBMITTED' };
  const digest = build.exportedEnvironmentVariables?.find((v) => v.name === 'IMAGE_DIGEST')?.value;
  if (digest) state.imageDigest = digest;
  if (status !== 'IN_PROGRESS' && status !== 'SUCCEEDED') {
    const failed = build.phases?.find((p) => p.phaseStatus !== undefined && FAILED_PHASE_STATUSES.has(p.phaseStatus));
    if (failed) {
      const phase = failed.phaseType ?? 'UNKNOWN';
      const messages = (failed.contexts ?? []).map((c) => c.message).filter((m): m is string => Boolean(m));
      state.failure = {
        phase,
        message: messages.length ? messages.join('; ') : `phase ${phase} ended ${failed.phaseStatus}`,
      };
    }
  }
  const logs = build.logs;
  if (logs && (logs.groupName || logs.streamName || logs.deepLink)) {
    state.logs = {
      ...(logs.groupName && { group: logs.groupName }),
      ...(logs.streamName && { stream: logs.streamName }),
      ...(logs.deepLink && { url: logs.deepLink }),
    };
  }
  return state;
}
