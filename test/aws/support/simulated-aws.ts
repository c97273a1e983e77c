import { Readable } from 'node:stream';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { LocalStepFunctionsWorkflow } from '../../../src/adapters/local/local-workflow.ts';
import type { RunState } from '../../../src/domain/run-state.ts';
import { functionHandler } from '../../support/run-machine.ts';
import { tarGz } from '../../support/tar.ts';
import * as aws from './aws-fixtures.ts';

/** Every SDK client the pipeline's adapters create, with `send` scripted (aws-sdk-client-mock stubs the prototype). */
export function mockAwsClients() {
  return {
    s3: mockClient(S3Client),
    ecr: mockClient(ECRClient),
    ecs: mockClient(ECSClient),
    codebuild: mockClient(CodeBuildClient),
    logs: mockClient(CloudWatchLogsClient),
    events: mockClient(EventBridgeClient),
    sfn: mockClient(SFNClient),
  };
}

/** The uploaded context: what Prepare reads (GetObject) to compute the run's build key. */
export const CONTEXT = tarGz([
  { path: 'Dockerfile', body: 'FROM public.ecr.aws/docker/library/busybox\nCOPY index.html /www/\n' },
  { path: 'index.html', body: '<h1>hello</h1>\n' },
]);

/**
 * ECR for a run that builds: no image for the run's build key yet (DescribeImages by tag), then the image the
 * build pushed (aws.DIGEST under the run id), which ApplyLifecycle names (BatchGetImage, PutImage of each tag).
 */
export function buildsNewImage(ecr: AwsClientStub<ECRClient>): void {
  ecr.on(BatchGetImageCommand).resolves({
    images: [
      {
        imageId: { imageDigest: aws.DIGEST, imageTag: aws.RUN_ID },
        imageManifest: '{"schemaVersion":2}',
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    ],
    failures: [],
  });
  ecr.on(PutImageCommand).resolves({});
  ecr.on(DescribeImagesCommand).rejects(
    Object.assign(new Error("The image with imageId {imageTag:'key-…'} does not exist within the repository"), {
      name: 'ImageNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    }),
  );
}

// The parts of AWS a simulated run needs beyond scripted answers (no vitest here: scripts/bench.ts uses them too).

/**
 * The keys of the contexts bucket the pipeline writes itself — the deploy markers (newest wins) and the
 * runs' wait records — kept in memory with S3's semantics: GetObject answers NoSuchKey for a missing key,
 * PutObject honours If-None-Match and If-Match (412 otherwise), each write gets a new ETag (`"1"`, `"2"`…).
 */
export class SimulatedBucket {
  readonly objects = new Map<string, { body: Uint8Array; etag: string }>();
  private writes = 0;

  /** Answer S3's object calls from this bucket (HeadObject of a context stays scripted by the test). */
  install(s3: AwsClientStub<S3Client>): void {
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const object = this.objects.get(input.Key);
      if (!object)
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      // In Node the body is the response stream (what ObjectStore.stream reads), with the SDK's helpers on it.
      const body = Object.assign(Readable.from([object.body]), { transformToByteArray: async () => object.body });
      return { Body: body, ETag: object.etag };
    });
    s3.on(PutObjectCommand).callsFake(
      (input: { Key: string; Body: Uint8Array; IfMatch?: string; IfNoneMatch?: string }) => {
        const current = this.objects.get(input.Key);
        const holds =
          input.IfNoneMatch !== undefined
            ? current === undefined
            : input.IfMatch === undefined || current?.etag === input.IfMatch;
        if (!holds)
          throw new S3ServiceException({
            name: 'PreconditionFailed',
            $fault: 'client',
            message: 'At least one of the pre-conditions you specified did not hold',
            $metadata: { httpStatusCode: 412 },
          });
        return { ETag: this.write(input.Key, new Uint8Array(input.Body)) };
      },
    );
    s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
      this.objects.delete(input.Key);
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
      Contents: [...this.objects.keys()].filter((key) => key.startsWith(input.Prefix ?? '')).map((Key) => ({ Key })),
      IsTruncated: false,
    }));
  }

  /** `seed('guards/deploys/hello.json', marker)`: an object some other run wrote (JSON), or an upload's bytes. */
  seed(key: string, value: unknown): void {
    this.write(key, value instanceof Uint8Array ? value : new TextEncoder().encode(JSON.stringify(value)));
  }

  private write(key: string, body: Uint8Array): string {
    const etag = `"${++this.writes}"`;
    this.objects.set(key, { body, etag });
    return etag;
  }
}

/**
 * Step Functions' side of the callback pattern: SendTaskSuccess and SendTaskFailure resume the run's
 * waiting Task on the simulated state machine, and answer TaskTimedOut, as Step Functions does, for a
 * token whose Task is over.
 */
export function routeCallbacks(sfn: AwsClientStub<SFNClient>, workflow: () => LocalStepFunctionsWorkflow): void {
  const closed = () =>
    Object.assign(new Error('Task Timed Out: the task token is closed'), {
      name: 'TaskTimedOut',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  sfn.on(SendTaskSuccessCommand).callsFake(async (input: { taskToken: string; output: string }) => {
    if (!(await workflow().resume(input.taskToken, { output: JSON.parse(input.output) }))) throw closed();
    return {};
  });
  sfn.on(SendTaskFailureCommand).callsFake(async (input: { taskToken: string; error: string; cause: string }) => {
    if (!(await workflow().resume(input.taskToken, { error: { name: input.error, message: input.cause } })))
      throw closed();
    return {};
  });
}

/**
 * The event that ends a wait in AWS, handed to its function as EventBridge does: the build's state change,
 * or the deployment's. EventBridge invokes a function asynchronously, and Lambda tries a failed asynchronous
 * invocation twice more: so does this (after that, the Task's fallback look is the last resort).
 */
export async function deliverEnd(task: string, state: RunState): Promise<unknown> {
  const [name, event] =
    task === 'AwaitBuild'
      ? ['wake-builds', aws.buildStateChange('SUCCEEDED', state.build?.id)]
      : ['wake-rollouts', aws.deploymentStateChange('SERVICE_DEPLOYMENT_COMPLETED', state.deployment?.id)];
  const handler = await functionHandler(name);
  for (let attempt = 1; ; attempt++) {
    try {
      return await handler(event);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
