import type { Build, BuildPhase } from '@aws-sdk/client-codebuild';
import type { Deployment, Service, TaskDefinition } from '@aws-sdk/client-ecs';

/** Responses shaped like the services' own (AWS CLI / API reference examples), for one app `hello` in eu-west-1. */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const RUN_ID = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
export const BUCKET = 'slipway-prod-contextsbucket-1x2y3z';
export const PROJECT = 'slipway-prod-build';
export const BUILD_ID = `${PROJECT}:8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11`;
export const LOG_GROUP = `/aws/codebuild/${PROJECT}`;
export const LOG_STREAM = '8bd3c1a2-2f5e-4b8e-9a8e-5d2f0b7c1e11';
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/hello`;
export const DIGEST = `sha256:${'c0'.repeat(32)}`;
export const OLD_IMAGE = `${REPOSITORY_URI}@sha256:${'0d'.repeat(32)}`;
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/default/hello`;
export const TASK_DEFINITION = (revision: number) =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/hello:${revision}`;
export const OLD_DEPLOYMENT = 'ecs-svc/1111111111111111111';
export const NEW_DEPLOYMENT = 'ecs-svc/2222222222222222222';
export const ROLLBACK_DEPLOYMENT = 'ecs-svc/3333333333333333333';

/** What serverless.yml gives every function (src/wiring/aws.ts reads it), with the app config at `configPath`. */
export function functionEnvironment(configPath: string): Record<string, string> {
  return {
    AWS_REGION: REGION,
    SLIPWAY_CONTEXT_BUCKET: BUCKET,
    SLIPWAY_BUILD_PROJECT: PROJECT,
    SLIPWAY_BUILD_LOG_GROUP: LOG_GROUP,
    SLIPWAY_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:slipway-prod`,
    SLIPWAY_CONFIG_PATH: configPath,
  };
}

const PHASES_BEFORE_BUILD: BuildPhase[] = [
  { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', durationInSeconds: 0 },
  { phaseType: 'QUEUED', phaseStatus: 'SUCCEEDED', durationInSeconds: 1 },
  { phaseType: 'PROVISIONING', phaseStatus: 'SUCCEEDED', durationInSeconds: 14 },
  { phaseType: 'DOWNLOAD_SOURCE', phaseStatus: 'SUCCEEDED', durationInSeconds: 0 },
  { phaseType: 'INSTALL', phaseStatus: 'SUCCEEDED', durationInSeconds: 0 },
];

export function build(overrides: Partial<Build>): Build {
  return {
    id: BUILD_ID,
    arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${BUILD_ID}`,
    projectName: PROJECT,
    buildStatus: 'IN_PROGRESS',
    currentPhase: 'BUILD',
    phases: [
      ...PHASES_BEFORE_BUILD,
      { phaseType: 'PRE_BUILD', phaseStatus: 'SUCCEEDED', durationInSeconds: 6 },
      { phaseType: 'BUILD' },
    ],
    logs: {
      groupName: LOG_GROUP,
      streamName: LOG_STREAM,
      deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${REGION}#logEvent:group=${LOG_GROUP};stream=${LOG_STREAM}`,
    },
    buildComplete: false,
    ...overrides,
  };
}

export const BUILD_SUCCEEDED = build({
  buildStatus: 'SUCCEEDED',
  currentPhase: 'COMPLETED',
  buildComplete: true,
  exportedEnvironmentVariables: [{ name: 'IMAGE_DIGEST', value: DIGEST }],
});

/** A failed phase as CodeBuild reports it: the context says only that a command exited 1. */
export function buildFailedIn(phase: 'PRE_BUILD' | 'BUILD'): Build {
  const failed: BuildPhase = {
    phaseType: phase,
    phaseStatus: 'FAILED',
    contexts: [
      {
        statusCode: 'COMMAND_EXECUTION_ERROR',
        message: 'Error while executing command: set -eo pipefail. Reason: exit status 1',
      },
    ],
  };
  const phases =
    phase === 'PRE_BUILD'
      ? [...PHASES_BEFORE_BUILD, failed]
      : [...PHASES_BEFORE_BUILD, { phaseType: 'PRE_BUILD', phaseStatus: 'SUCCEEDED' } as BuildPhase, failed];
  const after: BuildPhase[] = [{ phaseType: 'POST_BUILD', phaseStatus: 'SUCCEEDED' }, { phaseType: 'COMPLETED' }];
  return build({
    buildStatus: 'FAILED',
    currentPhase: 'COMPLETED',
    buildComplete: true,
    phases: [...phases, ...after],
  });
}

/** CloudWatch Logs events of a build, one line each (CodeBuild writes them so). */
export function logEvents(lines: string[]) {
  return lines.map((line, index) => ({
    timestamp: 1732096800000 + index,
    message: `${line}\n`,
    ingestionTime: 1732096801000 + index,
  }));
}

export const TASK_DEFINITION_3: TaskDefinition = {
  taskDefinitionArn: TASK_DEFINITION(3),
  family: 'hello',
  revision: 3,
  status: 'ACTIVE',
  taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/hello-task`,
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
  networkMode: 'awsvpc',
  containerDefinitions: [
    { name: 'hello', image: OLD_IMAGE, essential: true, portMappings: [{ containerPort: 8080, protocol: 'tcp' }] },
  ],
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-iam-role' }],
  cpu: '256',
  memory: '512',
  registeredAt: new Date('2024-11-01T09:00:00.000Z'),
  registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/me`,
};

export function deployment(id: string, overrides: Partial<Deployment>): Deployment {
  return {
    id,
    status: 'PRIMARY',
    taskDefinition: TASK_DEFINITION(3),
    desiredCount: 1,
    runningCount: 1,
    pendingCount: 0,
    rolloutState: 'COMPLETED',
    createdAt: new Date('2024-11-01T09:05:00.000Z'),
    ...overrides,
  };
}

export function service(
  deployments: Deployment[],
  overrides: Partial<Service> = {},
): { services: Service[]; failures: [] } {
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  return {
    services: [
      {
        serviceArn: SERVICE_ARN,
        serviceName: 'hello',
        clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/default`,
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: 1,
        taskDefinition: primary?.taskDefinition ?? TASK_DEFINITION(3),
        deployments,
        events: [],
        ...overrides,
      },
    ],
    failures: [],
  };
}

/** The service as it serves revision 3, before the run. */
export const SERVING_3 = service([deployment(OLD_DEPLOYMENT, {})]);
/** Right after UpdateService to revision 4. */
export const DEPLOYING_4 = (rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED', reason?: string) =>
  service([
    deployment(NEW_DEPLOYMENT, {
      taskDefinition: TASK_DEFINITION(4),
      rolloutState,
      runningCount: rolloutState === 'COMPLETED' ? 1 : 0,
      createdAt: new Date('2024-11-20T10:05:00.000Z'),
      ...(reason && { rolloutStateReason: reason }),
    }),
    ...(rolloutState === 'COMPLETED' ? [] : [deployment(OLD_DEPLOYMENT, { status: 'ACTIVE' })]),
  ]);
/** The deployment circuit breaker rolled the service back to revision 3. */
export const ROLLED_BACK = service([
  deployment(ROLLBACK_DEPLOYMENT, {
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${OLD_DEPLOYMENT}.`,
    createdAt: new Date('2024-11-20T10:09:00.000Z'),
  }),
  deployment(NEW_DEPLOYMENT, {
    status: 'ACTIVE',
    taskDefinition: TASK_DEFINITION(4),
    rolloutState: 'FAILED',
    rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    runningCount: 0,
    createdAt: new Date('2024-11-20T10:05:00.000Z'),
  }),
]);

/** CodeBuild's "CodeBuild Build State Change" as EventBridge delivers it (the AWS docs' sample, for BUILD_ID). */
export function buildStateChange(status = 'SUCCEEDED', buildId = BUILD_ID) {
  const arn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${buildId}`;
  return {
    version: '0',
    id: 'bfdc1220-60ff-44df-a21d-1caa72ebd8ce',
    'detail-type': 'CodeBuild Build State Change',
    source: 'aws.codebuild',
    account: ACCOUNT,
    time: '2024-11-20T10:03:00Z',
    region: REGION,
    resources: [arn],
    detail: {
      'build-status': status,
      'project-name': PROJECT,
      'build-id': arn,
      'additional-information': { 'build-complete': status !== 'IN_PROGRESS', initiator: 'slipway-prod-start-build' },
      'current-phase': 'COMPLETED',
      'current-phase-context': '[]',
      version: '1',
    },
  };
}

/** ECS's "ECS Deployment State Change" for the service (the AWS docs' sample). */
export function deploymentStateChange(
  eventName:
    | 'SERVICE_DEPLOYMENT_IN_PROGRESS'
    | 'SERVICE_DEPLOYMENT_COMPLETED'
    | 'SERVICE_DEPLOYMENT_FAILED' = 'SERVICE_DEPLOYMENT_COMPLETED',
  deploymentId = NEW_DEPLOYMENT,
  serviceArn = SERVICE_ARN,
) {
  return {
    version: '0',
    id: 'ddca6449-b258-46c0-8653-e0e3a6d0468b',
    'detail-type': 'ECS Deployment State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: '2024-11-20T10:07:00Z',
    region: REGION,
    resources: [serviceArn],
    detail: {
      eventType: eventName === 'SERVICE_DEPLOYMENT_FAILED' ? 'ERROR' : 'INFO',
      eventName,
      deploymentId,
      updatedAt: '2024-11-20T10:07:00Z',
      reason: `ECS deployment ${deploymentId} ${eventName.slice('SERVICE_DEPLOYMENT_'.length).toLowerCase()}.`,
    },
  };
}
