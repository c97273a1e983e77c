import { BatchGetBuildsCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DescribeRepositoriesCommand, GetLifecyclePolicyCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import * as aws from './support/aws-fixtures.ts';
import { mocks, NEW_IMAGE, sent, useSimulation } from './support/simulation.ts';

/**
 * A run of an app whose service the stack created, through the real ASL, handlers and AWS adapters
 * as src/wiring/aws.ts builds them, with SLIPWAY_APPS as serverless.yml sets it and only the SDK
 * clients' `send` scripted: the first deploy renders the whole revision and starts the service, and
 * the run ends with the app's URL.
 */
const { ecr, ecs, codebuild, events } = mocks;

const SECRET = `arn:aws:secretsmanager:${aws.REGION}:${aws.ACCOUNT}:secret:hello/db-AbCdEf`;
const URL = 'http://slipway-Hello-1A2B3C4D5E6F-1234567890.eu-west-1.elb.amazonaws.com';
const STACK = {
  cluster: 'slipway-prod',
  apps: {
    hello: {
      service: 'hello',
      url: URL,
      executionRoleArn: `arn:aws:iam::${aws.ACCOUNT}:role/slipway-prod-HelloExecutionRole-1A2B3C`,
      taskRoleArn: `arn:aws:iam::${aws.ACCOUNT}:role/slipway-prod-HelloTaskRole-4D5E6F`,
      logGroup: '/slipway/prod/hello',
    },
  },
};
const BOOTSTRAP = `arn:aws:ecs:${aws.REGION}:${aws.ACCOUNT}:task-definition/slipway-prod-hello:1`;
const REVISION_2 = `arn:aws:ecs:${aws.REGION}:${aws.ACCOUNT}:task-definition/slipway-prod-hello:2`;
const BOOTSTRAP_DEFINITION: TaskDefinition = {
  taskDefinitionArn: BOOTSTRAP,
  family: 'slipway-prod-hello',
  revision: 1,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  executionRoleArn: STACK.apps.hello.executionRoleArn,
  taskRoleArn: STACK.apps.hello.taskRoleArn,
  containerDefinitions: [
    {
      name: 'hello',
      image: `${aws.REPOSITORY_URI}:slipway-bootstrap`,
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
    },
  ],
};

/** The created service as DescribeServices shows it: nothing running on the bootstrap revision, then the first deploy's rollout. */
function createdService(state: 'BOOTSTRAP' | 'IN_PROGRESS' | 'COMPLETED') {
  const deployments =
    state === 'BOOTSTRAP'
      ? [aws.deployment(aws.OLD_DEPLOYMENT, { taskDefinition: BOOTSTRAP, desiredCount: 0, runningCount: 0 })]
      : [
          aws.deployment(aws.NEW_DEPLOYMENT, {
            taskDefinition: REVISION_2,
            desiredCount: 2,
            runningCount: state === 'COMPLETED' ? 2 : 0,
            rolloutState: state,
          }),
          ...(state === 'IN_PROGRESS'
            ? [
                aws.deployment(aws.OLD_DEPLOYMENT, {
                  status: 'ACTIVE',
                  taskDefinition: BOOTSTRAP,
                  desiredCount: 0,
                  runningCount: 0,
                }),
              ]
            : []),
        ];
  const counts = state === 'BOOTSTRAP' ? 0 : 2;
  return aws.service(deployments, {
    serviceArn: `arn:aws:ecs:${aws.REGION}:${aws.ACCOUNT}:service/slipway-prod/hello`,
    clusterArn: `arn:aws:ecs:${aws.REGION}:${aws.ACCOUNT}:cluster/slipway-prod`,
    desiredCount: counts,
    runningCount: state === 'COMPLETED' ? 2 : 0,
  });
}

const { run } = useSimulation(
  {
    apps: {
      hello: {
        service: {
          port: 8080,
          desiredCount: 2,
          cpu: 512,
          memory: 1024,
          environment: { GREETING: 'hi' },
          secrets: { DB_PASSWORD: SECRET },
        },
      },
    },
  },
  { SLIPWAY_APPS: JSON.stringify(STACK) },
);

beforeEach(() => {
  // The stack created the repository.
  ecr
    .on(DescribeRepositoriesCommand)
    .resolves({ repositories: [{ repositoryName: 'hello', repositoryUri: aws.REPOSITORY_URI }] });
  ecr.on(GetLifecyclePolicyCommand).resolves({});
  ecr.on(PutLifecyclePolicyCommand).resolves({});
  codebuild.on(StartBuildCommand).resolves({ build: aws.build({ currentPhase: 'QUEUED', phases: [] }) });
  codebuild.on(BatchGetBuildsCommand).resolves({ builds: [aws.BUILD_SUCCEEDED] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: BOOTSTRAP_DEFINITION,
    tags: [{ key: 'aws:cloudformation:stack-name', value: 'slipway-prod' }],
  });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: REVISION_2, revision: 2 } });
  ecs.on(UpdateServiceCommand).resolves({ service: createdService('IN_PROGRESS').services[0] });
  ecs
    .on(DescribeServicesCommand)
    .resolvesOnce(createdService('BOOTSTRAP'))
    .resolvesOnce(createdService('IN_PROGRESS'))
    .resolves(createdService('COMPLETED'));
  events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
  }));
});

describe("a created service's first run in AWS, over mocked SDK clients", () => {
  it("ends with the app's URL from the stack", async () => {
    const view = await run();

    expect(view.status).toBe('SUCCEEDED');
    expect(view.url).toBe(URL);
    expect(view.deployment).toMatchObject({
      taskDefinition: REVISION_2,
      revision: 2,
      state: 'COMPLETED',
      runningCount: 2,
      desiredCount: 2,
    });
  });

  it("renders the whole revision and starts the service at its desired count, in the stack's cluster", async () => {
    await run();

    const service = { cluster: 'slipway-prod', services: ['hello'] };
    expect(sent(ecs)).toEqual([
      ['DescribeServices', service],
      ['DescribeTaskDefinition', { taskDefinition: BOOTSTRAP, include: ['TAGS'] }],
      [
        'RegisterTaskDefinition',
        {
          family: 'slipway-prod-hello',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '512',
          memory: '1024',
          runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
          executionRoleArn: STACK.apps.hello.executionRoleArn,
          taskRoleArn: STACK.apps.hello.taskRoleArn,
          containerDefinitions: [
            {
              name: 'hello',
              image: NEW_IMAGE,
              essential: true,
              portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
              environment: [{ name: 'GREETING', value: 'hi' }],
              secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET }],
              stopTimeout: 10,
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': '/slipway/prod/hello',
                  'awslogs-region': aws.REGION,
                  'awslogs-stream-prefix': 'app',
                },
              },
            },
          ],
        },
      ],
      ['UpdateService', { cluster: 'slipway-prod', service: 'hello', taskDefinition: REVISION_2, desiredCount: 2 }],
      // AwaitRollout's first look, then the look its Deployment State Change event asks for.
      ['DescribeServices', service],
      ['DescribeServices', service],
    ]);
  });

  it("keeps the app's environment and secrets out of the run and its events", async () => {
    const view = await run();

    const told = JSON.stringify([view, sent(events)]);
    expect(told).not.toContain('DB_PASSWORD');
    expect(told).not.toContain(SECRET);
    expect(told).not.toContain('GREETING');
  });
});
