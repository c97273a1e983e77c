import type { RegisterTaskDefinitionCommandInput, TaskDefinition as SdkTaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, SlipwayError } from '../../../src/domain/errors.ts';
import {
  ContainerNotFoundError,
  fargateMemoryOptions,
  initialTaskDefinition,
  renderCreatedTaskDefinition,
  READ_ONLY_TASK_DEFINITION_FIELDS,
  renderTaskDefinition,
} from '../../../src/domain/task-definition.ts';
import { catchError } from '../../support/catch-error.ts';

const NEW_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/hello@sha256:' + 'ab'.repeat(32);

/**
 * The `taskDefinition` of a DescribeTaskDefinition response for a Fargate service, shaped like the samples in the
 * ECS API reference and the AWS CLI docs (an app container plus a FireLens log-router sidecar).
 */
function describedTaskDefinition() {
  return {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hello:7',
    containerDefinitions: [
      {
        name: 'hello',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/hello@sha256:' + '01'.repeat(32),
        cpu: 0,
        essential: true,
        portMappings: [
          { containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'hello-8080-tcp', appProtocol: 'http' },
        ],
        environment: [{ name: 'NODE_ENV', value: 'production' }],
        secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/hello/db-password' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/hello', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
        },
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
      },
      {
        name: 'log-router',
        image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
        cpu: 0,
        essential: false,
        portMappings: [],
        environment: [],
      },
    ],
    family: 'hello',
    taskRoleArn: 'arn:aws:iam::123456789012:role/hello-task',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    networkMode: 'awsvpc',
    revision: 7,
    volumes: [],
    status: 'ACTIVE',
    requiresAttributes: [
      { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
      { name: 'ecs.capability.execution-role-awslogs' },
      { name: 'com.amazonaws.ecs.capability.ecr-auth' },
      { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.19' },
      { name: 'ecs.capability.secrets.ssm.environment-variables' },
      { name: 'com.amazonaws.ecs.capability.task-iam-role' },
      { name: 'ecs.capability.execution-role-ecr-pull' },
      { name: 'ecs.capability.task-eni' },
    ],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    ephemeralStorage: { sizeInGiB: 21 },
    registeredAt: '2025-01-14T10:21:07.215000+00:00',
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/slipway-deploy/1736850067',
    enableFaultInjection: false,
  };
}

describe('renderTaskDefinition', () => {
  it.each(['hello', 'log-router'])('replaces the image of container "%s"', (container) => {
    const rendered = renderTaskDefinition(describedTaskDefinition(), container, NEW_IMAGE);

    expect(rendered.containerDefinitions.find((c) => c.name === container)?.image).toBe(NEW_IMAGE);
  });

  it.each([
    ['hello', 'log-router'],
    ['log-router', 'hello'],
  ])('leaves the other containers as they were (replacing %s)', (container, other) => {
    const current = describedTaskDefinition();

    const rendered = renderTaskDefinition(current, container, NEW_IMAGE);

    expect(rendered.containerDefinitions.find((c) => c.name === other)).toEqual(
      current.containerDefinitions?.find((c) => c.name === other),
    );
  });

  it('keeps every setting of the replaced container but its image', () => {
    const current = describedTaskDefinition();

    const rendered = renderTaskDefinition(current, 'hello', NEW_IMAGE);

    expect(rendered.containerDefinitions[0]).toEqual({ ...current.containerDefinitions?.[0], image: NEW_IMAGE });
  });

  it.each(READ_ONLY_TASK_DEFINITION_FIELDS)('drops the read-only field %s', (field) => {
    const current = {
      ...describedTaskDefinition(),
      deregisteredAt: '2025-02-01T00:00:00Z',
      deleteRequestedAt: '2025-02-02T00:00:00Z',
    };

    const rendered = renderTaskDefinition(current, 'hello', NEW_IMAGE);

    expect(Object.keys(rendered)).not.toContain(field);
  });

  it.each([
    'family',
    'taskRoleArn',
    'executionRoleArn',
    'networkMode',
    'volumes',
    'placementConstraints',
    'requiresCompatibilities',
    'cpu',
    'memory',
    'runtimePlatform',
    'ephemeralStorage',
    'enableFaultInjection',
  ] as const)('keeps %s', (field) => {
    const current = describedTaskDefinition();

    const rendered = renderTaskDefinition(current, 'hello', NEW_IMAGE);

    expect(rendered[field]).toEqual(current[field]);
  });

  it('keeps fields it does not know about', () => {
    const current = { ...describedTaskDefinition(), someFutureField: { enabled: true } };

    const rendered = renderTaskDefinition(current, 'hello', NEW_IMAGE);

    expect(rendered.someFutureField).toEqual({ enabled: true });
  });

  it('leaves its input untouched', () => {
    const current = describedTaskDefinition();
    const before = structuredClone(current);

    renderTaskDefinition(current, 'hello', NEW_IMAGE);

    expect(current).toEqual(before);
  });

  it.each([
    { case: 'a name that is not there', current: describedTaskDefinition(), existing: ['hello', 'log-router'] },
    { case: 'no containers at all', current: { family: 'hello' }, existing: [] },
  ])('throws ContainerNotFoundError for $case', ({ current, existing }) => {
    const error = catchError(() => renderTaskDefinition(current, 'web', NEW_IMAGE));

    expect(error).toBeInstanceOf(ContainerNotFoundError);
    expect(error).toMatchObject({
      name: 'ContainerNotFoundError',
      container: 'web',
      family: 'hello',
      containers: existing,
    });
  });

  it('names the missing container and the ones that exist in the message', () => {
    const error = catchError(() => renderTaskDefinition(describedTaskDefinition(), 'web', NEW_IMAGE));

    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as Error).message).toBe(
      'No container "web" in task definition "hello" (it has "hello", "log-router"). ' +
        'Set service.container for this app in slipway.config.json to one of them.',
    );
  });

  it('throws InvalidInputError for a definition without a family', () => {
    const { family: _family, ...withoutFamily } = describedTaskDefinition();

    expect(() => renderTaskDefinition(withoutFamily, 'hello', NEW_IMAGE)).toThrow(InvalidInputError);
  });

  it('turns the SDK describe output into an SDK register input', () => {
    const described: SdkTaskDefinition = JSON.parse(JSON.stringify(describedTaskDefinition()));

    // Compiles only while the rendered type stays assignable to the SDK's RegisterTaskDefinition input.
    const input: RegisterTaskDefinitionCommandInput = renderTaskDefinition(described, 'hello', NEW_IMAGE);

    expect(input.family).toBe('hello');
  });
});

describe('initialTaskDefinition', () => {
  it.each([
    { family: 'hello', container: 'hello', port: 8080 },
    { family: 'api', container: 'web', port: 3000 },
  ])('runs $container on port $port in family $family', ({ family, container, port }) => {
    const definition = initialTaskDefinition(family, container, NEW_IMAGE, port);

    expect(definition).toMatchObject({
      family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      containerDefinitions: [
        {
          name: container,
          image: NEW_IMAGE,
          essential: true,
          portMappings: [{ containerPort: port, protocol: 'tcp' }],
        },
      ],
    });
  });

  it('can be rendered into the next revision', () => {
    const first = initialTaskDefinition('hello', 'hello', 'old@sha256:' + '0'.repeat(64), 8080);

    const next = renderTaskDefinition({ ...first, revision: 1, status: 'ACTIVE' }, 'hello', NEW_IMAGE);

    expect(next).toEqual({ ...first, containerDefinitions: [{ ...first.containerDefinitions[0], image: NEW_IMAGE }] });
  });
});

describe('fargateMemoryOptions', () => {
  it.each([
    [256, [512, 1024, 2048]],
    [512, [1024, 2048, 3072, 4096]],
    [1024, [2048, 3072, 4096, 5120, 6144, 7168, 8192]],
    [300, []],
  ])('lists what Fargate runs with %i CPU units', (cpu, memory) => {
    expect(fargateMemoryOptions(cpu)).toEqual(memory);
  });

  it.each([
    [2048, 4096, 16384],
    [4096, 8192, 30720],
    [8192, 16384, 61440],
    [16384, 32768, 122880],
  ])('runs %i CPU units with %i to %i MiB', (cpu, min, max) => {
    const sizes = fargateMemoryOptions(cpu);
    expect([sizes[0], sizes.at(-1)]).toEqual([min, max]);
  });
});

describe('renderCreatedTaskDefinition', () => {
  const settings = {
    cpu: 1024,
    memory: 2048,
    port: 3000,
    environment: { ZONE: 'b', APP_MODE: 'prod' },
    secrets: { TOKEN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/web/token' },
    architecture: 'ARM64' as const,
  };
  const resources = {
    executionRoleArn: 'arn:aws:iam::123456789012:role/web-execution',
    taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
    logGroup: '/slipway/prod/web',
    region: 'eu-west-1',
  };

  it('writes secrets only as references, never as environment values', () => {
    const rendered = renderCreatedTaskDefinition('slipway-prod-web', 'web', NEW_IMAGE, settings, resources);

    expect(rendered.containerDefinitions[0]?.secrets).toEqual([{ name: 'TOKEN', valueFrom: settings.secrets.TOKEN }]);
    expect(JSON.stringify(rendered.containerDefinitions[0]?.environment)).not.toContain('TOKEN');
  });

  it('lists the environment sorted, so the same config renders the same revision', () => {
    const rendered = renderCreatedTaskDefinition('slipway-prod-web', 'web', NEW_IMAGE, settings, resources);

    expect(rendered.containerDefinitions[0]?.environment).toEqual([
      { name: 'APP_MODE', value: 'prod' },
      { name: 'ZONE', value: 'b' },
    ]);
  });

  it("sizes, places and logs the task as configured, with the stack's roles", () => {
    const rendered = renderCreatedTaskDefinition('slipway-prod-web', 'web', NEW_IMAGE, settings, resources);

    expect(rendered).toMatchObject({
      family: 'slipway-prod-web',
      cpu: '1024',
      memory: '2048',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      executionRoleArn: resources.executionRoleArn,
      taskRoleArn: resources.taskRoleArn,
      containerDefinitions: [
        {
          name: 'web',
          image: NEW_IMAGE,
          portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }],
          stopTimeout: 10,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/slipway/prod/web', 'awslogs-region': 'eu-west-1' },
          },
        },
      ],
    });
  });
});
