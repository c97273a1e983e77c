import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { RunInput } from '../../../src/domain/run-state.ts';
import { runView, type RunView } from '../../../src/domain/run-view.ts';
import { useEnvironment } from '../../../src/wiring/aws.ts';
import { functionsWorkflow, runToEnd } from '../../support/run-machine.ts';
import { tarGz } from '../../support/tar.ts';
import * as aws from './aws-fixtures.ts';

/**
 * The state machine in AWS without an account: the real ASL on aws-local-stepfunctions, the real
 * functions/ handlers, the real AWS adapters as src/wiring/aws.ts builds them, and only the SDK
 * clients' `send` scripted (module-scope mocks replace it on every client the wiring creates).
 */
export const mocks = {
  s3: mockClient(S3Client),
  ecr: mockClient(ECRClient),
  ecs: mockClient(ECSClient),
  codebuild: mockClient(CodeBuildClient),
  logs: mockClient(CloudWatchLogsClient),
  events: mockClient(EventBridgeClient),
  sfn: mockClient(SFNClient),
};

export const KEY = `contexts/hello/${aws.RUN_ID}.tar.gz`;
export const INPUT: RunInput = {
  runId: aws.RUN_ID,
  app: 'hello',
  trigger: { kind: 'upload', source: 'dev@laptop' },
  context: { key: KEY, bucket: aws.BUCKET },
};
export const NEW_IMAGE = `${aws.REPOSITORY_URI}@${aws.DIGEST}`;
/** The uploaded context: what Prepare reads (GetObject) to compute the run's build key. */
export const CONTEXT = tarGz([
  { path: 'Dockerfile', body: 'FROM public.ecr.aws/docker/library/busybox\nCOPY index.html /www/\n' },
  { path: 'index.html', body: '<h1>hello</h1>\n' },
]);

/** The commands a mocked client received, in order, with their inputs. */
export function sent(mock: { calls(): { args: unknown[] }[] }): [string, unknown][] {
  return mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name.replace(/Command$/, ''), command.input];
  });
}

/**
 * Registers the hooks of a simulation suite — its own slipway.config.json (the simulation pins the
 * app's settings, whatever the example project's say), the Lambda environment serverless.yml sets
 * (plus `environment`), every mock reset before each test with the upload scripted — and returns `run()`: one run of INPUT to
 * its end, as the run view shows it. Call at the top of the test file, before its own beforeEach.
 */
export function useSimulation(config: unknown, environment: Record<string, string> = {}): () => Promise<RunView> {
  let env: Record<string, string> = {};
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-sim-'));
    await writeFile(join(dir, 'slipway.config.json'), JSON.stringify(config));
    env = {
      AWS_REGION: aws.REGION,
      SLIPWAY_CONTEXT_BUCKET: aws.BUCKET,
      SLIPWAY_BUILD_PROJECT: aws.PROJECT,
      SLIPWAY_BUILD_LOG_GROUP: aws.LOG_GROUP,
      SLIPWAY_STATE_MACHINE_ARN: `arn:aws:states:${aws.REGION}:${aws.ACCOUNT}:stateMachine:slipway-prod`,
      SLIPWAY_CONFIG_PATH: join(dir, 'slipway.config.json'),
      ...environment,
    };
    // Presigned URLs are signed locally with these; nothing is sent anywhere.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_REGION', aws.REGION);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
    // The uploaded context (its metadata, then its bytes), and no deploy marker yet (newest wins): the claim's and its
    // release's conditional writes succeed.
    mocks.s3.on(HeadObjectCommand).resolves({
      ContentLength: 2048,
      ContentType: 'application/gzip',
      Metadata: { app: 'hello', 'run-id': aws.RUN_ID, uploader: 'dev@laptop' },
    });
    mocks.s3
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    // In Node the body is the response stream: a fresh one for every read.
    mocks.s3.on(GetObjectCommand, { Key: KEY }).callsFake(() => ({ Body: Readable.from([CONTEXT]) }));
    // No image for the run's build key yet: the run builds.
    mocks.ecr.on(DescribeImagesCommand).rejects(
      Object.assign(new Error("The image with imageId {imageTag:'key-…'} does not exist within the repository"), {
        name: 'ImageNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    mocks.s3.on(PutObjectCommand).resolves({ ETag: '"marker-1"' });
  });
  return async () => {
    useEnvironment({ ...env, SLIPWAY_LOG_LEVEL: 'silent' });
    return runView(await runToEnd(await functionsWorkflow(), INPUT));
  };
}
