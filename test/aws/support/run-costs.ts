import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetBuildsCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import {
  CreateRepositoryCommand,
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
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { mockClient } from 'aws-sdk-client-mock';
import type { RunInput } from '../../../src/domain/run-state.ts';
import { useEnvironment } from '../../../src/wiring/aws.ts';
import { driveToEnd, functionHandler, functionsWorkflow } from '../../support/run-machine.ts';
import * as aws from './aws-fixtures.ts';
import { CONTEXT, mockAwsClients, buildsNewImage, routeCallbacks, SimulatedBucket } from './simulated-aws.ts';

/** What one run costs the AWS account besides the build and the service themselves. */
export interface RunCosts {
  /** Step Functions state transitions: each state entered, each retry (what Standard workflows bill). */
  transitions: number;
  /** Lambda invocations: start-run, the Task functions, and the wait functions the build's and the deployment's events invoke. */
  lambdaInvocations: number;
  /** From the build's end (CodeBuild's event) to Deploy starting, on the simulated clock. */
  buildToDeployDelayMs: number;
  /** Events in the run's history (as the run view reads it). */
  historyEvents: number;
  /** The functions invoked, in order. */
  invoked: string[];
}

/**
 * `simulateRunCosts({ buildSeconds: 180, rolloutSeconds: 120 })`: one run of the real ASL, the real
 * functions/ handlers and AWS adapters over mocked SDK clients (as test/aws/simulation.test.ts runs
 * them), on a simulated clock: CodeBuild reports the build in progress until `buildSeconds` after
 * StartBuild and sends its Build State Change then; ECS reports the rollout in progress until
 * `rolloutSeconds` after UpdateService, sending a Deployment State Change at its start and at its
 * end. EventBridge's delivery is taken as instant (in AWS it takes well under a second). Runs
 * outside vitest (scripts/bench.ts): it mocks the SDK clients itself and restores them, the clock,
 * the environment and the wiring when it ends.
 */
export async function simulateRunCosts(
  options: { buildSeconds?: number; rolloutSeconds?: number } = {},
): Promise<RunCosts> {
  const buildMs = (options.buildSeconds ?? 180) * 1000;
  const rolloutMs = (options.rolloutSeconds ?? 120) * 1000;
  const mocks = mockAwsClients();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-costs-'));
  const clock = simulatedClock(Date.parse('2024-11-20T10:00:00.000Z'));
  const metricsSetting = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  try {
    await writeFile(
      join(dir, 'slipway.config.json'),
      JSON.stringify({
        apps: {
          hello: {
            lifecycle: [{ selection: 'untagged', maximumAgeLimit: 7 }],
            service: { existing: { cluster: 'default' }, port: 8080 },
          },
        },
      }),
    );
    useEnvironment({ ...aws.functionEnvironment(join(dir, 'slipway.config.json')), SLIPWAY_LOG_LEVEL: 'silent' });

    const invoked: string[] = [];
    let buildStarted: number | undefined;
    let deployed: number | undefined;
    script(mocks, {
      buildStarted: () => (buildStarted = clock.now()),
      building: () => buildStarted === undefined || clock.now() < buildStarted + buildMs,
      deployed: () => (deployed = clock.now()),
      rollingOut: () => deployed === undefined || clock.now() < deployed + rolloutMs,
      hasDeployed: () => deployed !== undefined,
    });
    const workflow = await functionsWorkflow((task, handler) => (input) => (invoked.push(task), handler(input)));
    const bucket = new SimulatedBucket();
    bucket.install(mocks.s3);
    // The upload: Prepare reads its bytes for the build key; no image for that key yet, so the run builds.
    bucket.seed(`contexts/hello/${aws.RUN_ID}.tar.gz`, CONTEXT);
    buildsNewImage(mocks.ecr as never);
    routeCallbacks(mocks.sfn, () => workflow);
    mocks.sfn
      .on(StartExecutionCommand)
      .callsFake(async (input: { input: string }) => (await workflow.start(JSON.parse(input.input) as RunInput), {}));

    // The upload lands: S3's Object Created starts the run through start-run.
    const invoke = async (name: string, event: unknown) => (invoked.push(name), (await functionHandler(name))(event));
    await invoke('start-run', objectCreated());
    let buildEnded = 0;
    let rolloutEvents = 0;
    const history = await driveToEnd(workflow, aws.RUN_ID, async (task) => {
      if (task === 'AwaitBuild') {
        clock.set(buildStarted! + buildMs);
        buildEnded = clock.now();
        await invoke('wake-builds', aws.buildStateChange('SUCCEEDED'));
      } else if (rolloutEvents++ === 0) {
        // ECS announces the deployment when UpdateService starts it…
        await invoke('wake-rollouts', aws.deploymentStateChange('SERVICE_DEPLOYMENT_IN_PROGRESS'));
      } else {
        // …and again when it has completed.
        clock.set(deployed! + rolloutMs);
        await invoke('wake-rollouts', aws.deploymentStateChange('SERVICE_DEPLOYMENT_COMPLETED'));
      }
      return true;
    });
    if (history.status !== 'SUCCEEDED') throw new Error(`The simulated run ended ${history.status}, not SUCCEEDED.`);
    const deployEntered = history.events.find((e) => e.type === 'StateEntered' && e.state === 'Deploy');
    return {
      transitions: history.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length,
      lambdaInvocations: invoked.length,
      buildToDeployDelayMs: Date.parse(deployEntered!.timestamp) - buildEnded,
      historyEvents: history.events.length,
      invoked,
    };
  } finally {
    clock.restore();
    if (metricsSetting === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = metricsSetting;
    useEnvironment(process.env);
    for (const mock of Object.values(mocks)) mock.restore();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Timeline {
  buildStarted(): void;
  building(): boolean;
  deployed(): void;
  rollingOut(): boolean;
  hasDeployed(): boolean;
}

/** The services' answers, as in test/aws/simulation.test.ts, with the build and the rollout following the clock. */
function script(mocks: Record<string, ReturnType<typeof mockClient>>, timeline: Timeline): void {
  mocks.s3!.on(HeadObjectCommand).resolves({
    ContentLength: 2048,
    ContentType: 'application/gzip',
    Metadata: { app: 'hello', 'run-id': aws.RUN_ID, uploader: 'dev@laptop' },
  });
  const notFound = (name: string, message: string) =>
    Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
  mocks.ecr!.on(DescribeRepositoriesCommand).rejects(notFound('RepositoryNotFoundException', 'no repository hello'));
  mocks.ecr!.on(CreateRepositoryCommand).resolves({
    repository: { repositoryName: 'hello', repositoryUri: aws.REPOSITORY_URI },
  });
  mocks.ecr!.on(GetLifecyclePolicyCommand).rejects(notFound('LifecyclePolicyNotFoundException', 'no policy'));
  mocks.ecr!.on(PutLifecyclePolicyCommand).resolves({ repositoryName: 'hello' });
  mocks.codebuild!.on(StartBuildCommand).callsFake(() => {
    timeline.buildStarted();
    return { build: aws.build({ currentPhase: 'QUEUED', phases: [] }) };
  });
  mocks.codebuild!.on(BatchGetBuildsCommand).callsFake(() => ({
    builds: [timeline.building() ? aws.build({}) : aws.BUILD_SUCCEEDED],
  }));
  mocks.ecs!.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: aws.TASK_DEFINITION_3, tags: [] });
  mocks.ecs!.on(RegisterTaskDefinitionCommand).resolves({
    taskDefinition: { ...aws.TASK_DEFINITION_3, taskDefinitionArn: aws.TASK_DEFINITION(4), revision: 4 },
  });
  mocks.ecs!.on(UpdateServiceCommand).callsFake(() => {
    timeline.deployed();
    return { service: aws.DEPLOYING_4('IN_PROGRESS').services[0] };
  });
  mocks
    .ecs!.on(DescribeServicesCommand)
    .callsFake(() =>
      !timeline.hasDeployed()
        ? aws.SERVING_3
        : timeline.rollingOut()
          ? aws.DEPLOYING_4('IN_PROGRESS')
          : aws.DEPLOYING_4('COMPLETED'),
    );
  mocks.events!.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
  }));
}

/** S3's "Object Created" for the uploaded context, as EventBridge hands it to start-run. */
function objectCreated() {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: aws.ACCOUNT,
    time: new Date().toISOString(),
    region: aws.REGION,
    resources: [`arn:aws:s3:::${aws.BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: aws.BUCKET },
      object: { key: `contexts/hello/${aws.RUN_ID}.tar.gz`, size: 2048, etag: 'b1946ac92492d2347c6235b4d2611184' },
      reason: 'PutObject',
    },
  };
}

/** A clock only this simulation moves: `Date.now()` and `new Date()` read it until `restore()`. */
function simulatedClock(start: number) {
  const RealDate = Date;
  let now = start;
  class SimulatedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return now;
    }
  }
  globalThis.Date = SimulatedDate as DateConstructor;
  return {
    now: () => now,
    set: (ms: number) => void (now = Math.max(now, ms)),
    restore: () => void (globalThis.Date = RealDate),
  };
}
