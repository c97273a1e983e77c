import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Deployment,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EcsContainerService,
  parseStackServices,
  type StackServices,
} from '../../../../src/adapters/aws/ecs-container-service.ts';
import { PassRoleDeniedError } from '../../../../src/adapters/aws/errors.ts';
import { InvalidConfigError } from '../../../../src/domain/errors.ts';
import { ServiceNotFoundError, type ServiceRef, type TaskSettings } from '../../../../src/ports/container-service.ts';
import { awsError } from './aws-error.ts';

const ecs = mockClient(ECSClient);
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello';
const OLD_IMAGE = `${REPO}@sha256:${'01'.repeat(32)}`;
const NEW_IMAGE = `${REPO}@sha256:${'ab'.repeat(32)}`;
const TD = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/hello:${revision}`;
const SERVICE: ServiceRef = {
  cluster: 'apps',
  name: 'hello',
  container: 'hello',
  port: 8080,
  healthCheck: { path: '/', timeoutSeconds: 120 },
};

function deployment(overrides: Partial<Deployment>): Deployment {
  return {
    id: 'ecs-svc/1111111111111111111',
    status: 'PRIMARY',
    taskDefinition: TD(7),
    desiredCount: 2,
    pendingCount: 0,
    runningCount: 2,
    failedTasks: 0,
    createdAt: new Date('2024-11-20T10:00:00.000Z'),
    updatedAt: new Date('2024-11-20T10:03:00.000Z'),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1111111111111111111 completed.',
    ...overrides,
  };
}

/** A Fargate service with the deployment circuit breaker on, shaped like DescribeServices' sample output. */
function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceArn: 'arn:aws:ecs:eu-west-1:123456789012:service/apps/hello',
    serviceName: 'hello',
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/apps',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition: TD(7),
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deployments: [deployment({})],
    events: [
      {
        id: 'e1',
        createdAt: new Date('2024-11-20T10:03:00.000Z'),
        message: '(service hello) has reached a steady state.',
      },
    ],
    ...overrides,
  };
}

function taskDefinition(revision: number, image: string): TaskDefinition {
  return {
    taskDefinitionArn: TD(revision),
    family: 'hello',
    revision,
    status: 'ACTIVE',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: 'hello',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/hello', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
        },
      },
    ],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
    registeredAt: new Date('2024-11-20T09:59:00.000Z'),
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/slipway-deploy/deploy',
  };
}

function mockDeployPath(
  tags = [
    { key: 'team', value: 'web' },
    { key: 'aws:cloudformation:stack-name', value: 'hello-stack' },
  ],
) {
  ecs.on(DescribeServicesCommand).resolves({ services: [service()], failures: [] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(7, OLD_IMAGE), tags });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(8, NEW_IMAGE) });
  ecs.on(UpdateServiceCommand).resolves({
    service: service({
      taskDefinition: TD(8),
      deployments: [
        deployment({
          id: 'ecs-svc/2222222222222222222',
          taskDefinition: TD(8),
          runningCount: 0,
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/2222222222222222222 in progress.',
        }),
        deployment({ status: 'ACTIVE' }),
      ],
    }),
  });
}

describe('EcsContainerService', () => {
  beforeEach(() => {
    ecs.reset();
  });

  it('registers a revision with the new image and moves the service to it', async () => {
    mockDeployPath();
    const containers = new EcsContainerService({ client: new ECSClient({}) });

    const result = await containers.deploy({
      runId: '01JD3Z8Q4X7K2M5N8P1R3T6V9W',
      app: 'hello',
      service: SERVICE,
      image: NEW_IMAGE,
    });

    expect(result).toEqual({
      deploymentId: 'ecs-svc/2222222222222222222',
      taskDefinition: TD(8),
      revision: 8,
      previousTaskDefinition: TD(7),
    });
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'apps',
      services: ['hello'],
    });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: TD(7),
      include: ['TAGS'],
    });
    const {
      taskDefinitionArn: _arn,
      revision: _rev,
      status: _status,
      compatibilities: _c,
      requiresAttributes: _r,
      registeredAt: _at,
      registeredBy: _by,
      ...writable
    } = taskDefinition(7, OLD_IMAGE);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      ...writable,
      containerDefinitions: [{ ...writable.containerDefinitions?.[0], image: NEW_IMAGE }],
      tags: [{ key: 'team', value: 'web' }],
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'apps',
      service: 'hello',
      taskDefinition: TD(8),
    });
  });

  it('refuses to follow a primary deployment that is not of the new revision', async () => {
    mockDeployPath([]);
    ecs
      .on(UpdateServiceCommand)
      .resolves({ service: service({ taskDefinition: TD(8), deployments: [deployment({})] }) });

    const error = await new EcsContainerService()
      .deploy({ runId: 'r', app: 'hello', service: SERVICE, image: NEW_IMAGE })
      .catch((e: unknown) => e);

    expect((error as Error).message).toBe(
      `ECS UpdateService of "hello" in cluster "apps" started no deployment of ${TD(8)} (the primary deployment runs ${TD(7)}). ` +
        'Slipway needs the ECS (rolling update) deployment controller.',
    );
  });

  it('says which config key lists the roles when IAM refuses to pass them', async () => {
    mockDeployPath([]);
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          400,
          'User: arn:aws:sts::123456789012:assumed-role/slipway-prod-DeployRole/deploy is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        ),
      );

    const error = await new EcsContainerService()
      .deploy({ runId: 'r', app: 'hello', service: SERVICE, image: NEW_IMAGE })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PassRoleDeniedError);
    expect(error).toMatchObject({
      name: 'PassRoleDeniedError',
      kind: 'invalid',
      roles: ['arn:aws:iam::123456789012:role/ecsTaskExecutionRole'],
    });
    expect((error as Error).message).toContain(
      'add them to apps.hello.service.existing.roleArns and deploy the stack again',
    );
  });

  it('registers without tags when the current revision has none of its own', async () => {
    mockDeployPath([]);

    await new EcsContainerService().deploy({ runId: 'r', app: 'hello', service: SERVICE, image: NEW_IMAGE });

    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input).not.toHaveProperty('tags');
  });

  it('renders the revision with the injected renderTaskDefinition', async () => {
    mockDeployPath([]);
    const render = vi.fn(() => ({ family: 'hello', containerDefinitions: [{ name: 'hello', image: NEW_IMAGE }] }));

    await new EcsContainerService({ renderTaskDefinition: render }).deploy({
      runId: 'r',
      app: 'hello',
      service: SERVICE,
      image: NEW_IMAGE,
    });

    expect(render).toHaveBeenCalledWith(expect.objectContaining({ taskDefinitionArn: TD(7) }), 'hello', NEW_IMAGE);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      family: 'hello',
      containerDefinitions: [{ name: 'hello', image: NEW_IMAGE }],
    });
  });

  it('follows the current deployment when the service already runs the image', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service({
          taskDefinition: TD(8),
          deployments: [deployment({ id: 'ecs-svc/2222222222222222222', taskDefinition: TD(8) })],
        }),
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(8, NEW_IMAGE) });

    const result = await new EcsContainerService().deploy({
      runId: 'r',
      app: 'hello',
      service: SERVICE,
      image: NEW_IMAGE,
    });

    expect(result).toEqual({
      deploymentId: 'ecs-svc/2222222222222222222',
      taskDefinition: TD(8),
      revision: 8,
      unchanged: true,
    });
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it.each([
    ['its rollout is still in progress', { rolloutState: 'IN_PROGRESS' as const }],
    ['not every task runs yet', { runningCount: 1 }],
  ])('follows, but does not call unchanged, the deployment of the image when %s', async (_when, overrides) => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service({
          taskDefinition: TD(8),
          deployments: [deployment({ id: 'ecs-svc/2222222222222222222', taskDefinition: TD(8), ...overrides })],
        }),
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(8, NEW_IMAGE) });

    const result = await new EcsContainerService().deploy({
      runId: 'r',
      app: 'hello',
      service: SERVICE,
      image: NEW_IMAGE,
    });

    expect(result).toEqual({ deploymentId: 'ecs-svc/2222222222222222222', taskDefinition: TD(8), revision: 8 });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it("names the revision a retried deploy's rollout replaces while that one still runs", async () => {
    const rolling = [
      deployment({ id: 'ecs-svc/2222222222222222222', taskDefinition: TD(8), rolloutState: 'IN_PROGRESS' }),
      deployment({ status: 'ACTIVE' }),
    ];
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ taskDefinition: TD(8), deployments: rolling })] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(8, NEW_IMAGE) });

    const result = await new EcsContainerService().deploy({
      runId: 'r',
      app: 'hello',
      service: SERVICE,
      image: NEW_IMAGE,
    });

    expect(result).toMatchObject({ deploymentId: 'ecs-svc/2222222222222222222', previousTaskDefinition: TD(7) });
  });

  it('moves a service back to the previous revision, which stops the deployment that ran out of time', async () => {
    const rolling = [
      deployment({
        id: 'ecs-svc/2222222222222222222',
        taskDefinition: TD(8),
        rolloutState: 'IN_PROGRESS',
        runningCount: 0,
      }),
      deployment({ status: 'ACTIVE' }),
    ];
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ taskDefinition: TD(8), deployments: rolling })] });
    ecs.on(UpdateServiceCommand).resolves({
      service: service({
        deployments: [
          deployment({ id: 'ecs-svc/3333333333333333333', rolloutState: 'IN_PROGRESS' }),
          { ...rolling[0], status: 'ACTIVE' },
          rolling[1] as Deployment,
        ],
      }),
    });

    const result = await new EcsContainerService().revert({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
      taskDefinition: TD(7),
    });

    expect(result).toEqual({ deploymentId: 'ecs-svc/3333333333333333333', taskDefinition: TD(7), revision: 7 });
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'apps', service: 'hello', taskDefinition: TD(7) },
    ]);
  });

  it('leaves the service alone when the deployment to stop is no longer its primary', async () => {
    const newer = [
      deployment({ id: 'ecs-svc/4444444444444444444', taskDefinition: TD(9), rolloutState: 'IN_PROGRESS' }),
      deployment({ id: 'ecs-svc/2222222222222222222', status: 'ACTIVE', taskDefinition: TD(8) }),
    ];
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ taskDefinition: TD(9), deployments: newer })] });

    const result = await new EcsContainerService().revert({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
      taskDefinition: TD(7),
    });

    expect(result).toBeUndefined();
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it.each([
    [
      'missing',
      { services: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/apps/hello', reason: 'MISSING' }] },
      'MISSING',
    ],
    ['inactive', { services: [service({ status: 'INACTIVE' })], failures: [] }, 'INACTIVE'],
  ])('refuses to deploy to a %s service, naming the cluster and the service', async (_label, response, reason) => {
    ecs.on(DescribeServicesCommand).resolves(response);

    const error = await new EcsContainerService()
      .deploy({ runId: 'r', app: 'hello', service: SERVICE, image: NEW_IMAGE })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceNotFoundError);
    expect(error).toMatchObject({ name: 'ServiceNotFoundError', cluster: 'apps', service: 'hello' });
    expect((error as Error).message).toMatch(/No active ECS service "hello" in cluster "apps".*deploy the stack/);
    expect((error as Error).message).toContain(reason);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('refuses to deploy to a cluster that does not exist', async () => {
    ecs.on(DescribeServicesCommand).rejects(awsError('ClusterNotFoundException', 400, 'Cluster not found.'));

    await expect(
      new EcsContainerService().deploy({ runId: 'r', app: 'hello', service: SERVICE, image: NEW_IMAGE }),
    ).rejects.toThrow(/ECS has no cluster "apps"/);
  });

  it.each([
    [
      'IN_PROGRESS',
      { rolloutState: 'IN_PROGRESS', runningCount: 1 },
      { state: 'IN_PROGRESS', runningCount: 1, desiredCount: 2 },
    ],
    [
      'COMPLETED',
      { rolloutState: 'COMPLETED' },
      { state: 'COMPLETED', runningCount: 2, desiredCount: 2, url: 'https://hello.example.com' },
    ],
    [
      'FAILED',
      {
        rolloutState: 'FAILED',
        runningCount: 0,
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      },
      {
        state: 'FAILED',
        runningCount: 0,
        desiredCount: 2,
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
      },
    ],
  ] as const)('reports a primary deployment whose rollout is %s', async (_label, ours, expected) => {
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [service({ deployments: [deployment({ id: 'ecs-svc/2222222222222222222', ...ours })] })] });
    const containers = new EcsContainerService({ url: (app) => `https://${app}.example.com` });

    const status = await containers.rollout({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
    });

    expect(status).toEqual(expected);
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'apps',
      services: ['hello'],
    });
  });

  it('reports a deployment the circuit breaker rolled back as FAILED with its reason', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service({
          deployments: [
            deployment({
              id: 'ecs-svc/3333333333333333333',
              taskDefinition: TD(7),
              rolloutState: 'IN_PROGRESS',
              rolloutStateReason:
                'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1111111111111111111.',
            }),
            deployment({
              id: 'ecs-svc/2222222222222222222',
              status: 'ACTIVE',
              taskDefinition: TD(8),
              runningCount: 0,
              rolloutState: 'FAILED',
              rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
            }),
          ],
          events: [
            {
              id: 'e3',
              createdAt: new Date('2024-11-20T10:09:00.000Z'),
              message:
                '(service hello) (deployment ecs-svc/2222222222222222222) deployment failed: tasks failed to start.',
            },
            {
              id: 'e2',
              createdAt: new Date('2024-11-20T10:08:00.000Z'),
              message: '(service hello) (task 0f1e2d) failed container health checks.',
            },
          ],
        }),
      ],
    });

    const status = await new EcsContainerService().rollout({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
    });

    expect(status.state).toBe('FAILED');
    expect(status.reason).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(status.reason).toContain(
      'Latest service event: (service hello) (task 0f1e2d) failed container health checks.',
    );
    expect(status.reason).toContain(`the service was rolled back to the previous task definition ${TD(7)}`);
  });

  it('reports a deployment ECS no longer lists as rolled back', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service()] });

    const status = await new EcsContainerService().rollout({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
    });

    expect(status).toEqual({
      state: 'FAILED',
      runningCount: 2,
      desiredCount: 2,
      reason: `deployment ecs-svc/2222222222222222222 failed (ECS no longer lists the deployment); the service was rolled back to the previous task definition ${TD(7)}`,
    });
  });

  it('reports a deployment a newer deployment replaced as FAILED', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service({
          deployments: [
            deployment({
              id: 'ecs-svc/4444444444444444444',
              taskDefinition: TD(9),
              rolloutState: 'IN_PROGRESS',
              rolloutStateReason: 'ECS deployment ecs-svc/4444444444444444444 in progress.',
            }),
            deployment({
              id: 'ecs-svc/2222222222222222222',
              status: 'ACTIVE',
              taskDefinition: TD(8),
              rolloutState: 'IN_PROGRESS',
            }),
          ],
        }),
      ],
    });

    const status = await new EcsContainerService().rollout({
      app: 'hello',
      service: SERVICE,
      deploymentId: 'ecs-svc/2222222222222222222',
    });

    expect(status.state).toBe('FAILED');
    expect(status.reason).toContain(`was replaced by a newer deployment (task definition ${TD(9)})`);
  });

  it('says what serves: the primary deployment’s image and revision', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition(7, OLD_IMAGE) });
    const containers = new EcsContainerService({ url: () => 'http://hello-123.eu-west-1.elb.amazonaws.com' });

    const serving = await containers.serving({ app: 'hello', service: SERVICE });

    expect(serving).toEqual({
      image: OLD_IMAGE,
      taskDefinition: TD(7),
      revision: 7,
      url: 'http://hello-123.eu-west-1.elb.amazonaws.com',
      runningCount: 2,
      desiredCount: 2,
    });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({ taskDefinition: TD(7) });
  });

  it('says the older deployment serves while a failed primary has not been rolled back', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service({
          taskDefinition: TD(8),
          deployments: [
            deployment({
              id: 'ecs-svc/2222222222222222222',
              taskDefinition: TD(8),
              runningCount: 0,
              rolloutState: 'FAILED',
            }),
            deployment({ status: 'ACTIVE', taskDefinition: TD(7), runningCount: 2 }),
          ],
        }),
      ],
    });
    ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: TD(7) })
      .resolves({ taskDefinition: taskDefinition(7, OLD_IMAGE) });

    const serving = await new EcsContainerService().serving({ app: 'hello', service: SERVICE });

    expect(serving).toEqual({ image: OLD_IMAGE, taskDefinition: TD(7), revision: 7, runningCount: 2, desiredCount: 2 });
  });

  it.each([
    ['a missing service', { services: [], failures: [{ reason: 'MISSING' }] }],
    ['a service with no running tasks', { services: [service({ runningCount: 0 })] }],
  ])('says nothing serves for %s', async (_label, response) => {
    ecs.on(DescribeServicesCommand).resolves(response);

    await expect(new EcsContainerService().serving({ app: 'hello', service: SERVICE })).resolves.toBeUndefined();
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it('turns a throttled call into a TransientError', async () => {
    ecs.on(DescribeServicesCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));

    await expect(
      new EcsContainerService().rollout({ app: 'hello', service: SERVICE, deploymentId: 'x' }),
    ).rejects.toMatchObject({ name: 'TransientError' });
  });

  describe('a service the stack created', () => {
    const STACK: StackServices = {
      cluster: 'slipway-prod',
      apps: {
        hello: {
          service: 'hello',
          url: 'http://hello-1234567890.eu-west-1.elb.amazonaws.com',
          executionRoleArn: 'arn:aws:iam::123456789012:role/slipway-prod-HelloExecutionRole-1A2B3C',
          taskRoleArn: 'arn:aws:iam::123456789012:role/slipway-prod-HelloTaskRole-4D5E6F',
          logGroup: '/slipway/prod/hello',
        },
      },
    };
    const CREATED: ServiceRef = {
      cluster: 'slipway',
      name: 'hello',
      container: 'hello',
      port: 8080,
      healthCheck: { path: '/', timeoutSeconds: 120 },
    };
    const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hello/db-AbCdEf';
    const TASK: TaskSettings = {
      cpu: 512,
      memory: 1024,
      desiredCount: 2,
      environment: { MODE: 'prod' },
      secrets: { DB_PASSWORD: SECRET },
      architecture: 'ARM64',
    };
    const BOOTSTRAP: TaskDefinition = {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-prod-hello:1',
      family: 'slipway-prod-hello',
      revision: 1,
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'hello',
          image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello:slipway-bootstrap',
          portMappings: [{ containerPort: 8080 }],
        },
      ],
    };
    const containers = () => new EcsContainerService({ stack: STACK, region: 'eu-west-1' });

    function mockCreated(
      current: { desiredCount: number; runningCount: number },
      taskDefinition: TaskDefinition = BOOTSTRAP,
    ) {
      const arn = taskDefinition.taskDefinitionArn;
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          service({
            ...current,
            clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/slipway-prod',
            taskDefinition: arn,
            deployments: [deployment({ taskDefinition: arn, ...current })],
          }),
        ],
      });
      ecs
        .on(DescribeTaskDefinitionCommand)
        .resolves({ taskDefinition, tags: [{ key: 'aws:cloudformation:stack-name', value: 'slipway-prod' }] });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD(2), revision: 2 } });
      ecs.on(UpdateServiceCommand).resolves({
        service: service({
          deployments: [
            deployment({ id: 'ecs-svc/2222222222222222222', taskDefinition: TD(2), rolloutState: 'IN_PROGRESS' }),
          ],
        }),
      });
    }

    it('renders the whole revision from the task settings and the stack: size, architecture, roles, log group, environment, secrets by reference', async () => {
      mockCreated({ desiredCount: 0, runningCount: 0 });

      await containers().deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK });

      expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input).toEqual({
        family: 'slipway-prod-hello',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        executionRoleArn: STACK.apps.hello?.executionRoleArn,
        taskRoleArn: STACK.apps.hello?.taskRoleArn,
        containerDefinitions: [
          {
            name: 'hello',
            image: NEW_IMAGE,
            essential: true,
            portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
            environment: [{ name: 'MODE', value: 'prod' }],
            secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET }],
            stopTimeout: 10,
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/slipway/prod/hello',
                'awslogs-region': 'eu-west-1',
                'awslogs-stream-prefix': 'app',
              },
            },
          },
        ],
      });
    });

    it("brings a service with nothing running to its desired count, in the stack's cluster", async () => {
      mockCreated({ desiredCount: 0, runningCount: 0 });

      await containers().deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK });

      expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
        cluster: 'slipway-prod',
        services: ['hello'],
      });
      expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
        cluster: 'slipway-prod',
        service: 'hello',
        taskDefinition: TD(2),
        desiredCount: 2,
      });
    });

    it('leaves the count alone when it already is the configured one', async () => {
      mockCreated({ desiredCount: 2, runningCount: 2 });

      await containers().deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK });

      expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
        cluster: 'slipway-prod',
        service: 'hello',
        taskDefinition: TD(2),
      });
    });

    it.each([
      [{ desiredCount: 0, runningCount: 0 }, 3],
      [{ desiredCount: 5, runningCount: 5 }, undefined],
    ])('with autoscaling, sets the count only when nothing runs (%j → %s)', async (current, expected) => {
      mockCreated(current);

      await containers().deploy({
        runId: 'r',
        app: 'hello',
        service: CREATED,
        image: NEW_IMAGE,
        task: { ...TASK, desiredCount: 1, autoscaling: { min: 3, max: 6 } },
      });

      expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.desiredCount).toBe(expected);
    });

    it('follows the current deployment when the service already runs the same revision at its count', async () => {
      const rendered = { ...BOOTSTRAP, taskDefinitionArn: TD(2), revision: 2 };
      mockCreated({ desiredCount: 2, runningCount: 2 }, rendered);
      const first = new EcsContainerService({ stack: STACK, region: 'eu-west-1' });
      await first.deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK });
      const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
      ecs.reset();
      mockCreated(
        { desiredCount: 2, runningCount: 2 },
        { ...(registered as TaskDefinition), taskDefinitionArn: TD(2), revision: 2 },
      );

      const result = await containers().deploy({
        runId: 'r',
        app: 'hello',
        service: CREATED,
        image: NEW_IMAGE,
        task: TASK,
      });

      expect(result).toEqual({
        deploymentId: 'ecs-svc/1111111111111111111',
        taskDefinition: TD(2),
        revision: 2,
        unchanged: true,
        url: STACK.apps.hello!.url,
      });
      expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    });

    it('registers a new revision when only a setting changed', async () => {
      mockCreated({ desiredCount: 2, runningCount: 2 });
      await containers().deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK });
      const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input as TaskDefinition;
      ecs.reset();
      mockCreated({ desiredCount: 2, runningCount: 2 }, { ...registered, taskDefinitionArn: TD(2), revision: 2 });

      await containers().deploy({
        runId: 'r',
        app: 'hello',
        service: CREATED,
        image: NEW_IMAGE,
        task: { ...TASK, environment: { MODE: 'debug' } },
      });

      expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    });

    it('says to deploy the stack when SLIPWAY_APPS does not list the app', async () => {
      mockCreated({ desiredCount: 0, runningCount: 0 });

      const error = await new EcsContainerService({ stack: { cluster: 'slipway-prod', apps: {} } })
        .deploy({ runId: 'r', app: 'hello', service: CREATED, image: NEW_IMAGE, task: TASK })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as Error).message).toContain('Deploy the stack again (npx serverless deploy)');
    });

    it("reports the stack's URL once the rollout completes", async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [service({ deployments: [deployment({ id: 'ecs-svc/2222222222222222222' })] })] });

      const status = await containers().rollout({
        app: 'hello',
        service: CREATED,
        deploymentId: 'ecs-svc/2222222222222222222',
      });

      expect(status.url).toBe('http://hello-1234567890.eu-west-1.elb.amazonaws.com');
      expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
        cluster: 'slipway-prod',
        services: ['hello'],
      });
    });
  });

  describe('parseStackServices', () => {
    it('reads what serverless/apps.ts writes', () => {
      const json =
        '{"cluster":"slipway-dev","apps":{"hello":{"service":"hello","url":"http://x","executionRoleArn":"arn:aws:iam::1:role/e","taskRoleArn":"arn:aws:iam::1:role/t","logGroup":"/slipway/dev/hello"}}}';
      expect(parseStackServices(json).apps.hello?.logGroup).toBe('/slipway/dev/hello');
    });

    it.each([
      ['not json', 'SLIPWAY_APPS is not JSON'],
      ['{"apps":{}}', 'cluster: required'],
    ])('refuses %s, naming the problem', (json, message) => {
      expect(() => parseStackServices(json)).toThrow(message);
    });
  });
});
