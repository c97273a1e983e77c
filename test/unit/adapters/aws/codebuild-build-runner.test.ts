import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  ListBuildsForProjectCommand,
  StartBuildCommand,
  type Build,
} from '@aws-sdk/client-codebuild';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeBuildBuildRunner } from '../../../../src/adapters/aws/codebuild-build-runner.ts';
import { BuildNotFoundError } from '../../../../src/ports/build-runner.ts';
import { InvalidInputError, TransientError } from '../../../../src/domain/errors.ts';
import type { BuildRequest } from '../../../../src/ports/build-runner.ts';
import { awsError } from './aws-error.ts';

const codebuild = mockClient(CodeBuildClient);
const logs = mockClient(CloudWatchLogsClient);
const PROJECT = 'slipway-build';
const BUILD_ID = 'slipway-build:8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11';
const REPOSITORY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello';
const DIGEST = 'sha256:' + 'ab'.repeat(32);

function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    runId: '01JD3Z8Q4X7K2M5N8P1R3T6V9W',
    app: 'hello',
    context: { bucket: 'slipway-contexts', key: 'contexts/hello/01JD3Z8Q4X7K2M5N8P1R3T6V9W.tar.gz' },
    contextPath: '.',
    dockerfile: 'Dockerfile',
    imageRepository: REPOSITORY,
    imageTags: ['01JD3Z8Q4X7K2M5N8P1R3T6V9W', 'git-a1b2c3d'],
    buildArgs: { NODE_ENV: 'production', GREETING: 'hi=there' },
    ...overrides,
  };
}

/** A build as BatchGetBuilds returns it (shape of the AWS CLI `batch-get-builds` example). */
function build(overrides: Partial<Build> = {}): Build {
  return {
    id: BUILD_ID,
    arn: `arn:aws:codebuild:eu-west-1:123456789012:build/${BUILD_ID}`,
    buildNumber: 12,
    startTime: new Date('2024-11-20T10:00:00.000Z'),
    currentPhase: 'BUILD',
    buildStatus: 'IN_PROGRESS',
    projectName: PROJECT,
    phases: [
      { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', durationInSeconds: 0 },
      { phaseType: 'QUEUED', phaseStatus: 'SUCCEEDED', durationInSeconds: 1 },
      {
        phaseType: 'PROVISIONING',
        phaseStatus: 'SUCCEEDED',
        durationInSeconds: 12,
        contexts: [{ statusCode: '', message: '' }],
      },
      {
        phaseType: 'DOWNLOAD_SOURCE',
        phaseStatus: 'SUCCEEDED',
        durationInSeconds: 1,
        contexts: [{ statusCode: '', message: '' }],
      },
      {
        phaseType: 'INSTALL',
        phaseStatus: 'SUCCEEDED',
        durationInSeconds: 0,
        contexts: [{ statusCode: '', message: '' }],
      },
      {
        phaseType: 'PRE_BUILD',
        phaseStatus: 'SUCCEEDED',
        durationInSeconds: 4,
        contexts: [{ statusCode: '', message: '' }],
      },
      { phaseType: 'BUILD' },
    ],
    logs: {
      groupName: '/aws/codebuild/slipway-build',
      streamName: '8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11',
      deepLink:
        'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEvent:group=/aws/codebuild/slipway-build;stream=8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11',
    },
    buildComplete: false,
    ...overrides,
  };
}

function failedBuild(): Build {
  const phases = (build().phases ?? []).slice(0, -1);
  return build({
    buildStatus: 'FAILED',
    currentPhase: 'COMPLETED',
    buildComplete: true,
    phases: [
      ...phases,
      {
        phaseType: 'BUILD',
        phaseStatus: 'FAILED',
        durationInSeconds: 31,
        contexts: [
          {
            statusCode: 'COMMAND_EXECUTION_ERROR',
            message: 'Error while executing command: docker build -f "$SLIPWAY_DOCKERFILE" . Reason: exit status 1',
          },
        ],
      },
      {
        phaseType: 'POST_BUILD',
        phaseStatus: 'FAILED',
        contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'later failure' }],
      },
      { phaseType: 'FINALIZING', phaseStatus: 'SUCCEEDED' },
      { phaseType: 'COMPLETED' },
    ],
  });
}

/** The end of a failed build's log as CodeBuild writes it to CloudWatch Logs (one event per line). */
const FAILED_BUILD_LOG = [
  ...Array.from({ length: 25 }, (_, i) => `#${i + 5} [build ${i + 1}/25] RUN step ${i + 1}`),
  '#30 ERROR: process "/bin/sh -c npm run build" did not complete successfully: exit code: 1',
  'slipway: error: ImageBuildFailed: docker build failed for hello; the lines above say why',
  '[Container] 2024/11/20 10:00:51.412 Command did not exit successfully set -eo pipefail exit status 1',
  '[Container] 2024/11/20 10:00:51.418 Phase complete: BUILD State: FAILED',
  '[Container] 2024/11/20 10:00:51.418 Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: set -eo pipefail. Reason: exit status 1',
  '[Container] 2024/11/20 10:00:51.455 Entering phase POST_BUILD',
  'slipway: the build phase failed, so there is no image digest to export',
];

function logEvents(lines: string[]) {
  return lines.map((message, i) => ({
    timestamp: 1732096800000 + i,
    message: `${message}\n`,
    ingestionTime: 1732096801000 + i,
  }));
}

describe('CodeBuildBuildRunner', () => {
  beforeEach(() => {
    codebuild.reset();
    logs.reset();
    logs.on(GetLogEventsCommand).resolves({ events: [] });
  });

  it('starts a build of the project with the run id as idempotency token and the SLIPWAY_* variables', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build() });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT, client: new CodeBuildClient({}) });

    const result = await runner.start(request({ target: 'runtime', platform: 'linux/arm64' }));

    expect(result).toEqual({ buildId: BUILD_ID });
    const calls = codebuild.commandCalls(StartBuildCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      projectName: PROJECT,
      idempotencyToken: '01JD3Z8Q4X7K2M5N8P1R3T6V9W',
      environmentVariablesOverride: [
        { name: 'SLIPWAY_CONTEXT_BUCKET', value: 'slipway-contexts', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_CONTEXT_KEY', value: 'contexts/hello/01JD3Z8Q4X7K2M5N8P1R3T6V9W.tar.gz', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_CONTEXT_PATH', value: '.', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_DOCKERFILE', value: 'Dockerfile', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_IMAGE_REPOSITORY', value: REPOSITORY, type: 'PLAINTEXT' },
        { name: 'SLIPWAY_IMAGE_TAGS', value: '01JD3Z8Q4X7K2M5N8P1R3T6V9W git-a1b2c3d', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_BUILD_ARGS', value: 'NODE_ENV=production\nGREETING=hi=there', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_TARGET', value: 'runtime', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_PLATFORM', value: 'linux/arm64', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_REGISTRY_LOGIN', value: 'ecr', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_APP', value: 'hello', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_RUN_ID', value: '01JD3Z8Q4X7K2M5N8P1R3T6V9W', type: 'PLAINTEXT' },
        { name: 'SLIPWAY_CACHE_REPOSITORY', value: `${REPOSITORY}-cache`, type: 'PLAINTEXT' },
      ],
    });
  });

  it("passes no URL and no credential in the build's environment", async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build() });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await runner.start(request());

    const variables = codebuild.commandCalls(StartBuildCommand)[0]?.args[0].input.environmentVariablesOverride ?? [];
    expect(variables.filter((v) => /https?:|X-Amz-|Signature/i.test(v.value ?? ''))).toEqual([]);
  });

  it("keeps the registry cache in a repository of its own, never the app's", async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build() });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await runner.start(request());

    const variables = codebuild.commandCalls(StartBuildCommand)[0]?.args[0].input.environmentVariablesOverride ?? [];
    expect(variables.find((v) => v.name === 'SLIPWAY_CACHE_REPOSITORY')?.value).toBe(`${REPOSITORY}-cache`);
  });

  it("sends the same parameters on a retried start, so CodeBuild's idempotency token answers with the first build", async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build() });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await runner.start(request());
    await runner.start(request());

    const [first, second] = codebuild.commandCalls(StartBuildCommand).map((call) => call.args[0].input);
    expect(second).toEqual(first);
  });

  it('leaves SLIPWAY_TARGET and SLIPWAY_PLATFORM out when the app sets neither', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: build() });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await runner.start(request({ buildArgs: {} }));

    const variables = codebuild.commandCalls(StartBuildCommand)[0]?.args[0].input.environmentVariablesOverride ?? [];
    expect(variables.map((v) => v.name)).not.toContain('SLIPWAY_TARGET');
    expect(variables.map((v) => v.name)).not.toContain('SLIPWAY_PLATFORM');
    expect(variables.find((v) => v.name === 'SLIPWAY_BUILD_ARGS')?.value).toBe('');
  });

  it('rejects a build argument with a line break before starting anything', async () => {
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await expect(runner.start(request({ buildArgs: { MOTD: 'one\ntwo' } }))).rejects.toThrow(InvalidInputError);
    expect(codebuild.commandCalls(StartBuildCommand)).toHaveLength(0);
  });

  it('hands back the build a retried start already started when the idempotency token was used with other parameters', async () => {
    codebuild
      .on(StartBuildCommand)
      .rejects(awsError('InvalidInputException', 400, 'Idempotency token was used with different parameters'));
    codebuild.on(ListBuildsForProjectCommand).resolves({ ids: ['slipway-build:newer', BUILD_ID] });
    codebuild.on(BatchGetBuildsCommand).resolves({
      builds: [
        build({
          id: 'slipway-build:newer',
          environment: {
            type: 'LINUX_CONTAINER',
            image: 'aws/codebuild/standard:7.0',
            computeType: 'BUILD_GENERAL1_SMALL',
            environmentVariables: [{ name: 'SLIPWAY_RUN_ID', value: '01JOTHERRUN0000000000000000' }],
          },
        }),
        build({
          environment: {
            type: 'LINUX_CONTAINER',
            image: 'aws/codebuild/standard:7.0',
            computeType: 'BUILD_GENERAL1_SMALL',
            environmentVariables: [{ name: 'SLIPWAY_RUN_ID', value: '01JD3Z8Q4X7K2M5N8P1R3T6V9W' }],
          },
        }),
      ],
    });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const result = await runner.start(request());

    expect(result).toEqual({ buildId: BUILD_ID });
    expect(codebuild.commandCalls(ListBuildsForProjectCommand)[0]?.args[0].input).toEqual({
      projectName: PROJECT,
      sortOrder: 'DESCENDING',
    });
    expect(codebuild.commandCalls(BatchGetBuildsCommand)[0]?.args[0].input).toEqual({
      ids: ['slipway-build:newer', BUILD_ID],
    });
  });

  it('rethrows an invalid start when no recent build belongs to the run', async () => {
    const invalid = awsError('InvalidInputException', 400, 'Invalid environment variable name');
    codebuild.on(StartBuildCommand).rejects(invalid);
    codebuild.on(ListBuildsForProjectCommand).resolves({ ids: [] });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await expect(runner.start(request())).rejects.toBe(invalid);
    expect(codebuild.commandCalls(BatchGetBuildsCommand)).toHaveLength(0);
  });

  it('turns a throttled start into a TransientError', async () => {
    codebuild.on(StartBuildCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const error = await runner.start(request()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ name: 'TransientError', cause: { name: 'ThrottlingException' } });
  });

  it.each([
    ['IN_PROGRESS', 'IN_PROGRESS'],
    ['SUCCEEDED', 'SUCCEEDED'],
    ['FAILED', 'FAILED'],
    ['FAULT', 'FAILED'],
    ['STOPPED', 'STOPPED'],
    ['TIMED_OUT', 'TIMED_OUT'],
  ] as const)('reports a build CodeBuild calls %s as %s', async (buildStatus, status) => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [build({ buildStatus })] });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.status).toBe(status);
    expect(codebuild.commandCalls(BatchGetBuildsCommand)[0]?.args[0].input).toEqual({ ids: [BUILD_ID] });
  });

  it('reads the phase, the exported image digest and where the logs are', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({
      builds: [
        build({
          buildStatus: 'SUCCEEDED',
          currentPhase: 'COMPLETED',
          exportedEnvironmentVariables: [
            { name: 'IMAGE_URI', value: `${REPOSITORY}@${DIGEST}` },
            { name: 'IMAGE_DIGEST', value: DIGEST },
          ],
        }),
      ],
    });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state).toEqual({
      buildId: BUILD_ID,
      status: 'SUCCEEDED',
      phase: 'COMPLETED',
      imageDigest: DIGEST,
      logs: {
        group: '/aws/codebuild/slipway-build',
        stream: '8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11',
        url: build().logs?.deepLink,
      },
    });
  });

  it('reports the first failed phase of a failed build with its message', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [failedBuild()] });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.failure).toEqual({
      phase: 'BUILD',
      message: 'Error while executing command: docker build -f "$SLIPWAY_DOCKERFILE" . Reason: exit status 1',
    });
    expect(state.imageDigest).toBeUndefined();
  });

  it("names the failure in the buildspec's words, from the last lines of the build log", async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [failedBuild()] });
    logs.on(GetLogEventsCommand).resolves({ events: logEvents(FAILED_BUILD_LOG) });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.failure).toEqual({
      phase: 'BUILD',
      message: 'ImageBuildFailed: docker build failed for hello; the lines above say why',
    });
    expect(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/aws/codebuild/slipway-build',
      logStreamName: '8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11',
      startFromHead: false,
      limit: 50,
    });
  });

  it("keeps the last 20 lines of a failed build's log as its tail", async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [failedBuild()] });
    logs.on(GetLogEventsCommand).resolves({ events: logEvents(FAILED_BUILD_LOG) });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.logTail).toEqual(FAILED_BUILD_LOG.slice(-20));
  });

  it('reports a missing Dockerfile by its kind, so the pipeline can name it', async () => {
    const phases = (failedBuild().phases ?? []).map((p) =>
      p.phaseType === 'PRE_BUILD'
        ? {
            ...p,
            phaseStatus: 'FAILED' as const,
            contexts: [
              {
                statusCode: 'COMMAND_EXECUTION_ERROR',
                message:
                  'Error while executing command: [ -f "$SLIPWAY_BUILD_DIR/$SLIPWAY_DOCKERFILE" ] || { … }. Reason: exit status 1',
              },
            ],
          }
        : p.phaseType === 'BUILD'
          ? { phaseType: 'BUILD' as const }
          : p,
    );
    codebuild
      .on(BatchGetBuildsCommand)
      .resolves({ builds: [build({ buildStatus: 'FAILED', currentPhase: 'COMPLETED', phases })] });
    logs.on(GetLogEventsCommand).resolves({
      events: logEvents([
        '[Container] 2024/11/20 10:00:20.101 Entering phase PRE_BUILD',
        'slipway: the context folder "." holds: app.js package.json ',
        'slipway: error: DockerfileNotFound: Dockerfile',
        '[Container] 2024/11/20 10:00:20.105 Phase complete: PRE_BUILD State: FAILED',
        '[Container] 2024/11/20 10:00:20.106 Entering phase POST_BUILD',
        'slipway: the build phase failed, so there is no image digest to export',
      ]),
    });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.failure).toEqual({ phase: 'PRE_BUILD', message: 'DockerfileNotFound: Dockerfile' });
  });

  it("keeps CodeBuild's own message when the log cannot be read", async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [failedBuild()] });
    logs
      .on(GetLogEventsCommand)
      .rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: logs:GetLogEvents'));
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const state = await runner.get(BUILD_ID);

    expect(state.failure?.message).toBe(
      'Error while executing command: docker build -f "$SLIPWAY_DOCKERFILE" . Reason: exit status 1',
    );
    expect(state.logTail).toBeUndefined();
  });

  it('reads no log while the build is in progress', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [build()] });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    await runner.get(BUILD_ID);

    expect(logs.commandCalls(GetLogEventsCommand)).toHaveLength(0);
  });

  it('throws BuildNotFoundError for a build CodeBuild does not know', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [], buildsNotFound: [BUILD_ID] });
    const runner = new CodeBuildBuildRunner({ projectName: PROJECT });

    const error = await runner.get(BUILD_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BuildNotFoundError);
    expect(error).toMatchObject({
      name: 'BuildNotFoundError',
      buildId: BUILD_ID,
      where: `CodeBuild project "${PROJECT}"`,
    });
  });
});
