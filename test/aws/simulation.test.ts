import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, ListBuildsForProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUILDSPEC_VERSION } from '../../buildspec/version.ts';
import { buildKeyTag } from '../../src/domain/build-key.ts';
import { buildKeyOfArchive } from '../../src/use-cases/build-key.ts';
import { awsError } from '../unit/adapters/aws/aws-error.ts';
import { chunked } from '../support/tar.ts';
import * as aws from './support/aws-fixtures.ts';
import { functionHandler } from '../support/run-machine.ts';
import { deliverEnd } from './support/simulated-aws.ts';
import { CONTEXT, KEY, mocks, NEW_IMAGE, sent, sentFor, useSimulation } from './support/simulation.ts';

/**
 * The real ASL on aws-local-stepfunctions, the real functions/ handlers, the real AWS adapters as
 * src/wiring/aws.ts wires them for Lambda, and only the SDK clients' `send` scripted (module
 * scope mocks replace it on every instance the wiring creates).
 */
const { s3, ecr, ecs, codebuild, logs, events, sfn } = mocks;
const MARKER = 'guards/deploys/hello.json';

const LIFECYCLE_POLICY =
  '{"rules":[{"action":{"type":"expire"},"rulePriority":1,"selection":{"countNumber":7,"countType":"sinceImagePushed","countUnit":"days","tagStatus":"untagged"}}]}';

const { run, simulate, bucket } = useSimulation({
  apps: {
    hello: {
      lifecycle: [{ selection: 'untagged', maximumAgeLimit: 7 }],
      service: { existing: { cluster: 'default' }, port: 8080 },
    },
  },
});

/** The tag of the uploaded context's build key (the app's default build settings). */
let KEY_TAG = '';
beforeAll(async () => {
  const settings = { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: BUILDSPEC_VERSION };
  KEY_TAG = buildKeyTag(await buildKeyOfArchive(chunked(CONTEXT), { contextPath: '.', settings }));
});

beforeEach(() => {
  ecr
    .on(DescribeRepositoriesCommand)
    .rejects(
      awsError('RepositoryNotFoundException', 400, "The repository with name 'hello' does not exist in the registry"),
    );
  ecr
    .on(CreateRepositoryCommand)
    .resolves({ repository: { repositoryName: 'hello', repositoryUri: aws.REPOSITORY_URI } });
  ecr
    .on(GetLifecyclePolicyCommand)
    .rejects(awsError('LifecyclePolicyNotFoundException', 400, 'Lifecycle policy does not exist'));
  ecr.on(PutLifecyclePolicyCommand).resolves({ repositoryName: 'hello', lifecyclePolicyText: LIFECYCLE_POLICY });
  codebuild.on(StartBuildCommand).resolves({ build: aws.build({ currentPhase: 'QUEUED', phases: [] }) });
  codebuild
    .on(BatchGetBuildsCommand)
    .resolvesOnce({ builds: [aws.build({})] })
    .resolves({ builds: [aws.BUILD_SUCCEEDED] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: aws.TASK_DEFINITION_3,
    tags: [
      { key: 'team', value: 'web' },
      { key: 'aws:cloudformation:stack-name', value: 'hello' },
    ],
  });
  ecs
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { ...aws.TASK_DEFINITION_3, taskDefinitionArn: aws.TASK_DEFINITION(4), revision: 4 } });
  ecs.on(UpdateServiceCommand).resolves({ service: aws.DEPLOYING_4('IN_PROGRESS').services[0] });
  ecs
    .on(DescribeServicesCommand)
    .resolvesOnce(aws.SERVING_3)
    .resolvesOnce(aws.DEPLOYING_4('IN_PROGRESS'))
    .resolves(aws.DEPLOYING_4('COMPLETED'));
  events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
  }));
});

describe('the state machine in AWS, over mocked SDK clients', () => {
  it('builds, tidies, deploys and rolls out to the end', async () => {
    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.map((s) => [s.name, s.status, s.retries])).toEqual([
      ['prepare', 'SUCCEEDED', 0],
      ['build', 'SUCCEEDED', 0],
      ['lifecycle', 'SUCCEEDED', 0],
      ['deploy', 'SUCCEEDED', 0],
      ['rollout', 'SUCCEEDED', 0],
    ]);
    expect(view.image).toEqual({ repository: aws.REPOSITORY_URI, digest: aws.DIGEST, tags: [aws.RUN_ID, KEY_TAG] });
    expect(view.build).toMatchObject({
      id: aws.BUILD_ID,
      status: 'SUCCEEDED',
      phase: 'COMPLETED',
      logs: { group: aws.LOG_GROUP, stream: aws.LOG_STREAM },
    });
    expect(view.lifecycle).toEqual({ policyChanged: true, expired: [] });
    expect(view.deployment).toMatchObject({
      id: aws.NEW_DEPLOYMENT,
      taskDefinition: aws.TASK_DEFINITION(4),
      revision: 4,
      state: 'COMPLETED',
      runningCount: 1,
      desiredCount: 1,
    });
    expect(view.error).toBeUndefined();
  });

  it('claims the service with a conditional write before UpdateService and ends the lease after it', async () => {
    await run();

    const marker = sentFor(s3, MARKER);
    const claimed = bucket().objects.get(MARKER);
    expect(
      marker
        .slice(0, 3)
        .map(([name, input]) => [
          name,
          (input as { IfNoneMatch?: string }).IfNoneMatch,
          (input as { IfMatch?: string }).IfMatch,
        ]),
    ).toEqual([
      ['GetObject', undefined, undefined],
      ['PutObject', '*', undefined],
      ['PutObject', undefined, expect.stringMatching(/^"\d+"$/)],
    ]);
    expect(claimed).toBeDefined();
    expect(JSON.parse(String(Buffer.from((marker[1]![1] as { Body: Uint8Array }).Body)))).toMatchObject({
      runId: aws.RUN_ID,
      phase: 'updating',
    });
    const claimedAt = s3
      .calls()
      .findIndex((c) => (c.args[0] as { input: { IfNoneMatch?: string } }).input.IfNoneMatch === '*');
    expect(claimedAt).toBeGreaterThan(-1);
    expect(sent(ecs).some(([name]) => name === 'UpdateService')).toBe(true);
  });

  it('ends an older run SUPERSEDED, without UpdateService, when a newer run has claimed the service', async () => {
    const newer = '01Z' + aws.RUN_ID.slice(3);
    bucket().seed(MARKER, { runId: newer, phase: 'updated', leaseUntil: '2020-01-01T00:00:00.000Z' });

    const view = await run();

    expect(view.status).toBe('SUPERSEDED');
    expect(view.superseded).toMatchObject({ by: newer, step: 'deploy' });
    expect(sent(ecs).map(([name]) => name)).not.toContain('UpdateService');
    expect(sentFor(s3, MARKER).filter(([name]) => name === 'PutObject')).toEqual([]);
  });

  it('reads the context and prepares the repository with exactly these calls', async () => {
    await run();

    // One read, metadata and bytes: Prepare computes the build key from what was uploaded.
    expect(sent(s3).slice(0, 1)).toEqual([['GetObject', { Bucket: aws.BUCKET, Key: KEY }]]);
    // Every other S3 call is the deploy marker's (newest wins) or a wait record's.
    expect(
      sent(s3)
        .slice(1)
        .map(([, input]) => (input as { Key?: string; Prefix?: string }).Key ?? (input as { Prefix: string }).Prefix)
        .filter((key) => key !== MARKER && !key.startsWith('waits/')),
    ).toEqual([]);
    expect(sent(ecr)).toEqual([
      ['DescribeRepositories', { repositoryNames: ['hello'] }],
      [
        'CreateRepository',
        {
          repositoryName: 'hello',
          imageTagMutability: 'MUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'AES256' },
        },
      ],
      ['DescribeImages', { repositoryName: 'hello', imageIds: [{ imageTag: KEY_TAG }] }],
      // The build pushed the run id; ApplyLifecycle names the image with its build key, then tidies.
      [
        'BatchGetImage',
        {
          repositoryName: 'hello',
          imageIds: [{ imageDigest: aws.DIGEST }],
          acceptedMediaTypes: expect.arrayContaining(['application/vnd.docker.distribution.manifest.v2+json']),
        },
      ],
      [
        'PutImage',
        {
          repositoryName: 'hello',
          imageManifest: '{"schemaVersion":2}',
          imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          imageTag: KEY_TAG,
          imageDigest: aws.DIGEST,
        },
      ],
      ['GetLifecyclePolicy', { repositoryName: 'hello' }],
      ['PutLifecyclePolicy', { repositoryName: 'hello', lifecyclePolicyText: LIFECYCLE_POLICY }],
    ]);
  });

  it("starts the build with the run's variables and the context's location (no URL), then looks at it once and at its end event", async () => {
    await run();

    expect(sent(codebuild)).toEqual([
      [
        'StartBuild',
        {
          projectName: aws.PROJECT,
          idempotencyToken: aws.RUN_ID,
          environmentVariablesOverride: [
            { name: 'SLIPWAY_CONTEXT_BUCKET', value: aws.BUCKET, type: 'PLAINTEXT' },
            { name: 'SLIPWAY_CONTEXT_KEY', value: KEY, type: 'PLAINTEXT' },
            { name: 'SLIPWAY_CONTEXT_PATH', value: '.', type: 'PLAINTEXT' },
            { name: 'SLIPWAY_DOCKERFILE', value: 'Dockerfile', type: 'PLAINTEXT' },
            { name: 'SLIPWAY_IMAGE_REPOSITORY', value: aws.REPOSITORY_URI, type: 'PLAINTEXT' },
            { name: 'SLIPWAY_IMAGE_TAGS', value: aws.RUN_ID, type: 'PLAINTEXT' },
            { name: 'SLIPWAY_BUILD_ARGS', value: '', type: 'PLAINTEXT' },
            { name: 'SLIPWAY_REGISTRY_LOGIN', value: 'ecr', type: 'PLAINTEXT' },
            { name: 'SLIPWAY_APP', value: 'hello', type: 'PLAINTEXT' },
            { name: 'SLIPWAY_RUN_ID', value: aws.RUN_ID, type: 'PLAINTEXT' },
            { name: 'SLIPWAY_CACHE_REPOSITORY', value: `${aws.REPOSITORY_URI}-cache`, type: 'PLAINTEXT' },
          ],
        },
      ],
      ['BatchGetBuilds', { ids: [aws.BUILD_ID] }],
      ['BatchGetBuilds', { ids: [aws.BUILD_ID] }],
    ]);
    expect(sent(logs)).toEqual([]);
  });

  it('registers a revision pinned by digest, moves the service to it and follows the rollout with exactly these calls', async () => {
    await run();

    const service = { cluster: 'default', services: ['hello'] };
    expect(sent(ecs)).toEqual([
      ['DescribeServices', service],
      ['DescribeTaskDefinition', { taskDefinition: aws.TASK_DEFINITION(3), include: ['TAGS'] }],
      [
        'RegisterTaskDefinition',
        {
          family: 'hello',
          taskRoleArn: aws.TASK_DEFINITION_3.taskRoleArn,
          executionRoleArn: aws.TASK_DEFINITION_3.executionRoleArn,
          networkMode: 'awsvpc',
          containerDefinitions: [
            {
              name: 'hello',
              image: NEW_IMAGE,
              essential: true,
              portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
            },
          ],
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          tags: [{ key: 'team', value: 'web' }],
        },
      ],
      ['UpdateService', { cluster: 'default', service: 'hello', taskDefinition: aws.TASK_DEFINITION(4) }],
      // AwaitRollout's first look, then the look its Deployment State Change event asks for.
      ['DescribeServices', service],
      ['DescribeServices', service],
    ]);
    // Each wait ended by its event's function, which resumed the run.
    expect(sent(sfn).map(([name]) => name)).toEqual(['SendTaskSuccess', 'SendTaskSuccess']);
  });

  it('announces each step on EventBridge as Run Step Changed', async () => {
    await run();

    const entries = sent(events).flatMap(
      ([, input]) =>
        (input as { Entries: { Source: string; DetailType: string; EventBusName: string; Detail: string }[] }).Entries,
    );
    expect(new Set(entries.map((e) => `${e.EventBusName} ${e.Source} ${e.DetailType}`))).toEqual(
      new Set(['default slipway Run Step Changed']),
    );
    expect(
      entries.map((e) => JSON.parse(e.Detail) as { step: string; status: string }).map((d) => `${d.step} ${d.status}`),
    ).toEqual([
      'prepare RUNNING',
      'prepare SUCCEEDED',
      'build RUNNING',
      'build SUCCEEDED',
      'lifecycle RUNNING',
      'lifecycle SUCCEEDED',
      'deploy RUNNING',
      'deploy SUCCEEDED',
      'rollout RUNNING',
      'rollout SUCCEEDED',
    ]);
  });

  it('deploys the image ECR holds for the build key: no build, no lifecycle, each skipped with why', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { repositoryName: 'hello', imageDigest: aws.DIGEST, imageTags: ['01JDQ8ZV7N2W4Y6A8C0E2OLDER', KEY_TAG] },
      ],
    });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['prepare', 'SUCCEEDED', undefined],
      ['build', 'SKIPPED', `the repository holds ${aws.DIGEST} for this build key (${KEY_TAG.slice(0, 16)}…)`],
      ['lifecycle', 'SKIPPED', 'no new image'],
      ['deploy', 'SUCCEEDED', undefined],
      ['rollout', 'SUCCEEDED', undefined],
    ]);
    expect(sent(codebuild)).toEqual([]);
    expect(sent(ecr).map(([name]) => name)).toEqual(['DescribeRepositories', 'CreateRepository', 'DescribeImages']);
    expect(sent(ecs).find(([name]) => name === 'RegisterTaskDefinition')?.[1]).toMatchObject({
      containerDefinitions: [expect.objectContaining({ image: NEW_IMAGE })],
    });
  });

  it('ends an unchanged redeploy at Deploy, SUCCEEDED: no build, no revision, no UpdateService, no rollout', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [{ repositoryName: 'hello', imageDigest: aws.DIGEST, imageTags: [KEY_TAG] }],
    });
    ecs.on(DescribeServicesCommand).resolves(aws.DEPLOYING_4('COMPLETED'));
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        ...aws.TASK_DEFINITION_3,
        taskDefinitionArn: aws.TASK_DEFINITION(4),
        revision: 4,
        containerDefinitions: [{ ...aws.TASK_DEFINITION_3.containerDefinitions![0]!, image: NEW_IMAGE }],
      },
    });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.unchanged).toMatchObject({
      digest: aws.DIGEST,
      revision: 4,
      message: `unchanged: ${aws.DIGEST} already serves`,
    });
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SKIPPED'],
      ['lifecycle', 'SKIPPED'],
      ['deploy', 'SKIPPED'],
      ['rollout', 'SKIPPED'],
    ]);
    expect(sent(codebuild)).toEqual([]);
    expect(sent(ecs).map(([name]) => name)).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
  });

  it("fails a failed build in the buildspec's words, with its last log lines, and deploys nothing", async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [aws.build({})] })
      .resolves({ builds: [aws.buildFailedIn('BUILD')] });
    logs.on(GetLogEventsCommand).resolves({
      events: aws.logEvents([
        '#9 [build 2/3] RUN npm ci',
        '#9 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
        'slipway: error: ImageBuildFailed: docker build failed for hello; the lines above say why',
        '[Container] 2024/11/20 10:00:51.418 Phase complete: BUILD State: FAILED',
      ]),
    });
    ecs.on(DescribeServicesCommand).resolves(aws.SERVING_3);

    const view = await run();

    expect(view.status).toBe('FAILED');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'FAILED'],
      ['lifecycle', 'SKIPPED'],
      ['deploy', 'SKIPPED'],
      ['rollout', 'SKIPPED'],
    ]);
    expect(view.error).toMatchObject({ step: 'build', name: 'BuildFailedError' });
    expect(view.error?.message).toContain('failed in BUILD: ImageBuildFailed: docker build failed for hello');
    expect(view.error?.message).toContain('#9 ERROR: process "/bin/sh -c npm ci" did not complete successfully');
    expect(view.serving).toEqual({ image: aws.OLD_IMAGE, revision: 3 });
    expect(sent(logs)).toEqual([
      ['GetLogEvents', { logGroupName: aws.LOG_GROUP, logStreamName: aws.LOG_STREAM, startFromHead: false, limit: 50 }],
    ]);
    expect(sent(ecs).map(([name]) => name)).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
  });

  it('names a missing Dockerfile from the build log, as the local stack does', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [aws.buildFailedIn('PRE_BUILD')] });
    logs.on(GetLogEventsCommand).resolves({
      events: aws.logEvents([
        '[Container] 2024/11/20 10:00:20.101 Entering phase PRE_BUILD',
        'slipway: the context folder "." holds: app.js package.json ',
        'slipway: error: DockerfileNotFound: Dockerfile',
        '[Container] 2024/11/20 10:00:20.105 Phase complete: PRE_BUILD State: FAILED',
      ]),
    });
    ecs.on(DescribeServicesCommand).resolves(aws.SERVING_3);

    const view = await run();

    expect(view.error).toMatchObject({ step: 'build', name: 'DockerfileNotFoundError' });
    expect(view.error?.message).toContain('"hello"');
  });

  it('fails a rollout ECS marks FAILED with its reason, and names what still serves', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(aws.SERVING_3)
      .resolvesOnce(aws.DEPLOYING_4('IN_PROGRESS'))
      .resolvesOnce(aws.DEPLOYING_4('FAILED', 'ECS deployment circuit breaker: tasks failed to start.'))
      .resolves(aws.DEPLOYING_4('FAILED', 'ECS deployment circuit breaker: tasks failed to start.'));

    const view = await run();

    expect(view.status).toBe('FAILED');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SUCCEEDED'],
      ['lifecycle', 'SUCCEEDED'],
      ['deploy', 'SUCCEEDED'],
      ['rollout', 'FAILED'],
    ]);
    expect(view.error).toMatchObject({ step: 'rollout', name: 'RolloutFailedError' });
    expect(view.error?.message).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(view.serving).toEqual({ image: aws.OLD_IMAGE, revision: 3 });
    expect(sent(ecs).slice(-2)).toEqual([
      ['DescribeServices', { cluster: 'default', services: ['hello'] }],
      ['DescribeTaskDefinition', { taskDefinition: aws.TASK_DEFINITION(3) }],
    ]);
  });

  it('fails a rollout the circuit breaker rolled back, saying so', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(aws.SERVING_3)
      .resolvesOnce(aws.DEPLOYING_4('IN_PROGRESS'))
      .resolves(aws.ROLLED_BACK);

    const view = await run();

    expect(view.error).toMatchObject({ step: 'rollout', name: 'RolloutFailedError' });
    expect(view.error?.message).toContain(
      `deployment ${aws.NEW_DEPLOYMENT} failed (ECS deployment circuit breaker: tasks failed to start.)`,
    );
    expect(view.error?.message).toContain(`rolled back to the previous task definition ${aws.TASK_DEFINITION(3)}`);
    expect(view.deployment).toMatchObject({ state: 'IN_PROGRESS' });
  });

  it('stops a rollout at its deadline by moving the service back to the revision that served before, then fails naming it', async () => {
    // Only Date is faked. No event comes while the rollout hangs: the wait's fallback look (its Task's
    // timeout, 1 s here instead of 300) finds it past its deadline once the clock has jumped.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const MOVED_BACK = aws.service([
      aws.deployment(aws.ROLLBACK_DEPLOYMENT, {
        rolloutState: 'IN_PROGRESS',
        createdAt: new Date('2024-11-20T11:05:00.000Z'),
      }),
      aws.deployment(aws.NEW_DEPLOYMENT, {
        status: 'ACTIVE',
        taskDefinition: aws.TASK_DEFINITION(4),
        rolloutState: 'IN_PROGRESS',
        runningCount: 0,
      }),
      aws.deployment(aws.OLD_DEPLOYMENT, { status: 'ACTIVE' }),
    ]);
    let reads = 0;
    ecs.on(DescribeServicesCommand).callsFake(() => {
      reads += 1;
      if (reads === 1) return aws.SERVING_3;
      // The first look, the fallback look, the revert's own read; then the service as moved back.
      return reads <= 4 ? aws.DEPLOYING_4('IN_PROGRESS') : MOVED_BACK;
    });
    ecs
      .on(UpdateServiceCommand, { taskDefinition: aws.TASK_DEFINITION(3) })
      .resolves({ service: MOVED_BACK.services[0] });
    let jumped = false;

    const { view, history } = await simulate({
      timeouts: { AwaitRollout: 1 },
      deliver: async (task, state) => {
        if (task === 'AwaitBuild') return deliverEnd(task, state).then(() => true);
        if (!jumped) vi.setSystemTime(Date.now() + 3 * 3600_000);
        jumped = true;
        return false;
      },
    }).finally(() => vi.useRealTimers());

    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ step: 'rollout', name: 'RolloutFailedError' });
    expect(view.error?.message).toContain(
      `Slipway stopped deployment ${aws.NEW_DEPLOYMENT} and moved the service back to the task definition that served before, ${aws.TASK_DEFINITION(3)}`,
    );
    expect(
      sent(ecs)
        .filter(([name]) => name === 'UpdateService')
        .map(([, input]) => input),
    ).toEqual([
      { cluster: 'default', service: 'hello', taskDefinition: aws.TASK_DEFINITION(4) },
      { cluster: 'default', service: 'hello', taskDefinition: aws.TASK_DEFINITION(3) },
    ]);
    expect(view.serving).toEqual({ image: aws.OLD_IMAGE, revision: 3 });
    expect(history.events).toContainEqual(
      expect.objectContaining({ type: 'StateFailed', state: 'AwaitRollout', error: 'States.Timeout' }),
    );
  });

  it('follows the build a retried StartBuild finds when CodeBuild answers the retry with the first build (same token, same parameters)', async () => {
    // The first StartBuild started the build, but its answer was lost (the connection dropped).
    codebuild
      .on(StartBuildCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }))
      .resolves({ build: aws.build({ currentPhase: 'QUEUED', phases: [] }) });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', retries: 1 });
    const starts = sent(codebuild)
      .filter(([name]) => name === 'StartBuild')
      .map(([, input]) => input);
    expect(starts).toHaveLength(2);
    expect(starts[1]).toEqual(starts[0]);
    expect(view.build).toMatchObject({ id: aws.BUILD_ID });
  });

  it("follows the build the first StartBuild started when the retry's token was used with other parameters", async () => {
    const started = aws.build({
      currentPhase: 'QUEUED',
      phases: [],
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
        environmentVariables: [{ name: 'SLIPWAY_RUN_ID', value: aws.RUN_ID, type: 'PLAINTEXT' }],
      },
    });
    const other = aws.build({
      id: `${aws.PROJECT}:0000aaaa-other-run`,
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
        environmentVariables: [{ name: 'SLIPWAY_RUN_ID', value: '01JDQ8ZV7N2W4Y6A8C0E2OTHER', type: 'PLAINTEXT' }],
      },
    });
    codebuild
      .on(StartBuildCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }))
      .rejects(awsError('InvalidInputException', 400, 'Idempotency token was used with different parameters'));
    codebuild.on(ListBuildsForProjectCommand).resolves({ ids: [other.id as string, aws.BUILD_ID] });
    codebuild
      .on(BatchGetBuildsCommand, { ids: [other.id as string, aws.BUILD_ID] })
      .resolves({ builds: [other, started] })
      .on(BatchGetBuildsCommand, { ids: [aws.BUILD_ID] })
      .resolvesOnce({ builds: [aws.build({})] })
      .resolves({ builds: [aws.BUILD_SUCCEEDED] });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.build).toMatchObject({ id: aws.BUILD_ID, status: 'SUCCEEDED' });
    expect(sent(codebuild).map(([name]) => name)).toEqual([
      'StartBuild',
      'StartBuild',
      'ListBuildsForProject',
      'BatchGetBuilds',
      'BatchGetBuilds',
      'BatchGetBuilds',
    ]);
    expect(sent(codebuild)[2]).toEqual(['ListBuildsForProject', { projectName: aws.PROJECT, sortOrder: 'DESCENDING' }]);
  });

  it('retries a Task whose invocation Lambda reports as timed out on its side (Lambda.ClientExecutionTimeoutException)', async () => {
    // Step Functions names the Task's error after Lambda's; here the function's own call fails with that name instead.
    codebuild
      .on(StartBuildCommand)
      .rejectsOnce(
        Object.assign(new Error('Client execution did not complete before the specified timeout configuration'), {
          name: 'Lambda.ClientExecutionTimeoutException',
        }),
      )
      .resolves({ build: aws.build({ currentPhase: 'QUEUED', phases: [] }) });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', retries: 1 });
  });

  it("retries a throttled first look through the state machine's Retry and goes on", async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .resolvesOnce({ builds: [aws.build({})] })
      .resolves({ builds: [aws.BUILD_SUCCEEDED] });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', retries: 1 });
    expect(sent(codebuild).map(([name]) => name)).toEqual([
      'StartBuild',
      'BatchGetBuilds',
      'BatchGetBuilds',
      'BatchGetBuilds',
    ]);
  });

  it("looks again when Lambda retries the event's function after a throttled look", async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [aws.build({})] })
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .resolves({ builds: [aws.BUILD_SUCCEEDED] });

    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', retries: 0 });
    expect(sent(codebuild).filter(([name]) => name === 'BatchGetBuilds')).toHaveLength(3);
  });

  it('enters each state once: nothing loops while the build and the rollout run', async () => {
    const { history } = await simulate();

    expect(history.events.filter((e) => e.type === 'StateEntered').map((e) => (e as { state: string }).state)).toEqual([
      'Prepare',
      'BuildNeeded',
      'StartBuild',
      'AwaitBuild',
      'ApplyLifecycle',
      'Deploy',
      'DeployClaimed',
      'AwaitRollout',
      'RolloutFinished',
      'Succeeded',
    ]);
  });

  it('resumes the run with the failure when the build fails: SendTaskFailure with the error the Catch matches', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [aws.build({})] })
      .resolves({ builds: [aws.buildFailedIn('BUILD')] });
    ecs.on(DescribeServicesCommand).resolves(aws.SERVING_3);

    const view = await run();

    expect(view.error).toMatchObject({ step: 'build', name: 'BuildFailedError' });
    expect(sent(sfn)).toEqual([
      [
        'SendTaskFailure',
        { taskToken: expect.any(String), error: 'BuildFailedError', cause: expect.stringContaining('failed in BUILD') },
      ],
    ]);
  });

  it('looks again at its fallback timeout when the build’s event never comes, and goes on', async () => {
    const { view, history, invoked } = await simulate({
      timeouts: { AwaitBuild: 1 },
      deliver: async (task, state) => {
        if (task === 'AwaitBuild') return false; // lost
        await deliverEnd(task, state);
        return true;
      },
    });

    expect(view.status).toBe('SUCCEEDED');
    // A fallback look is no retry.
    expect(view.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', retries: 0 });
    expect(history.events).toContainEqual(
      expect.objectContaining({ type: 'StateFailed', state: 'AwaitBuild', error: 'States.Timeout' }),
    );
    expect(invoked.filter((name) => name === 'AwaitBuild')).toHaveLength(2);
    expect(invoked).not.toContain('wake-builds');
  });

  it('ends the wait once when the same event comes twice at once (the token closes at the first resume), and ignores it coming again later', async () => {
    codebuild
      .on(BatchGetBuildsCommand)
      .resolvesOnce({ builds: [aws.build({})] })
      .resolves({ builds: [aws.BUILD_SUCCEEDED] });
    const view = await run({
      deliver: async (task, state) => {
        if (task === 'AwaitBuild') {
          await Promise.all([deliverEnd(task, state), deliverEnd(task, state)]);
          return true;
        }
        await deliverEnd(task, state);
        // The build's event once more, after the run has moved on.
        await deliverEnd('AwaitBuild', state);
        return true;
      },
    });

    expect(view.status).toBe('SUCCEEDED');
    // Both looks at the build resume with its token; Step Functions takes the first and answers the other TaskTimedOut.
    // Then the rollout's. The build's event coming again later finds no record and resumes nothing.
    const tokens = sent(sfn).map(([name, input]) => [name, (input as { taskToken: string }).taskToken]);
    expect(tokens.map(([name]) => name)).toEqual(['SendTaskSuccess', 'SendTaskSuccess', 'SendTaskSuccess']);
    expect(tokens[0]![1]).toBe(tokens[1]![1]);
    expect(tokens[2]![1]).not.toBe(tokens[0]![1]);
    const announced = sent(events).flatMap(([, input]) =>
      (input as { Entries: { Detail: string }[] }).Entries.map(
        (e) => JSON.parse(e.Detail) as { step: string; status: string },
      ),
    );
    expect(announced.filter((d) => d.step === 'build' && d.status === 'SUCCEEDED')).toHaveLength(1);
    expect([...bucket().objects.keys()].filter((key) => key.startsWith('waits/'))).toEqual([]);
  });

  it('ends a run waiting on its rollout SUPERSEDED at once when a newer run deploys over it', async () => {
    const newer = '01Z' + aws.RUN_ID.slice(3);
    ecs.on(DescribeServicesCommand).resolvesOnce(aws.SERVING_3).resolves(aws.DEPLOYING_4('IN_PROGRESS'));

    const view = await run({
      deliver: async (task, state) => {
        if (task === 'AwaitBuild') return deliverEnd(task, state).then(() => true);
        // The newer run claims the service, and its UpdateService starts a deployment: ECS says so.
        bucket().seed(MARKER, { runId: newer, phase: 'updating', leaseUntil: '2999-01-01T00:00:00.000Z' });
        await (
          await functionHandler('wake-rollouts')
        )(aws.deploymentStateChange('SERVICE_DEPLOYMENT_IN_PROGRESS', aws.ROLLBACK_DEPLOYMENT));
        return true;
      },
    });

    expect(view.status).toBe('SUPERSEDED');
    expect(view.superseded).toMatchObject({ by: newer, step: 'rollout' });
    expect(view.error).toBeUndefined();
    expect(sent(ecs).filter(([name]) => name === 'UpdateService')).toHaveLength(1);
  });

  it('looks only at the runs waiting on the service the deployment belongs to', async () => {
    let other: unknown;

    const view = await run({
      deliver: async (task, state) => {
        if (task === 'AwaitRollout' && other === undefined) {
          other = await (
            await functionHandler('wake-rollouts')
          )(
            aws.deploymentStateChange(
              'SERVICE_DEPLOYMENT_COMPLETED',
              'ecs-svc/9999',
              `arn:aws:ecs:${aws.REGION}:${aws.ACCOUNT}:service/default/other-service`,
            ),
          );
        }
        await deliverEnd(task, state);
        return true;
      },
    });

    expect(view.status).toBe('SUCCEEDED');
    expect(other).toEqual([]);
  });
});
