import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EcsContainerService,
  parseStackServices,
  type StackServices,
} from '../../src/adapters/aws/ecs-container-service.ts';
import { allApps, parseConfig } from '../../src/domain/config.ts';
import type { RunState } from '../../src/domain/run-state.ts';
import type { Dependencies } from '../../src/use-cases/dependencies.ts';
import { deploy } from '../../src/use-cases/steps/deploy.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { appsEnvironment, createdApps } from '../../serverless/apps.ts';
import { services } from '../../serverless/stack.ts';
import { silentLogger, FakeObjects } from '../support/fakes.ts';
import { MOTO_ACCOUNT, requireMoto, startMoto, xmlValues, type Moto } from './support/moto.ts';

/**
 * The created service's resources as the packaged template has them (serverless/stack.ts), made in
 * moto through moto's CloudFormation, then the real deploy step and EcsContainerService against
 * moto's ECS: the first deploy from nothing running, a second deploy, a rollback.
 *
 * Where moto falls short of AWS (moto 5.2), the tests say so and assert what it does:
 * - its CloudFormation does not evaluate Fn::Cidr, so the stack's own VPC cannot be made there: the
 *   network is made with EC2 calls and handed in as the vpcId/subnetIds params, as a user's VPC is;
 * - it skips AWS::ApplicationAutoScaling::* (none in this app) and ignores a target group's
 *   TargetGroupAttributes (the 10 s deregistration delay stays ELB's default 300 s there; the
 *   template tests check the attribute);
 * - its ECS service keeps no load balancers, network configuration or Fargate settings from the template;
 * - its UpdateService moves the service (task definition, desired count, and running count at once)
 *   but starts no deployment: the creation deployment stays PRIMARY on the bootstrap revision. The
 *   adapter follows only a deployment of the revision it registered, so against moto each deploy
 *   ends with "started no deployment" after the service has moved; rollouts cannot be followed there.
 */
const moto = requireMoto();
const PARAMETER = `arn:aws:ssm:eu-west-1:${MOTO_ACCOUNT}:parameter/hello/db-password`;
const CONFIG = parseConfig({
  apps: {
    hello: {
      service: { port: 8080, desiredCount: 2, environment: { GREETING: 'hi' }, secrets: { DB_PASSWORD: PARAMETER } },
    },
  },
});
const REPOSITORY = `${MOTO_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/hello`;
const IMAGE_1 = `${REPOSITORY}@sha256:${'1a'.repeat(32)}`;
const IMAGE_2 = `${REPOSITORY}@sha256:${'2b'.repeat(32)}`;
const TASK_DEFINITION = (revision: number) =>
  `arn:aws:ecs:eu-west-1:${MOTO_ACCOUNT}:task-definition/slipway-moto-hello:${revision}`;

describe.skipIf(!moto.available)(`emulated AWS: a created service in moto (${moto.reason})`, () => {
  let aws: Moto;
  let ecs: ECSClient;
  let stack: StackServices;
  let physical: Record<string, string>;
  let deps: Dependencies;

  async function describeService(): Promise<Service> {
    const { services: found } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'slipway-moto', services: ['hello'] }),
    );
    return found?.[0] ?? {};
  }

  async function describeRevision(revision: number) {
    return (
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: TASK_DEFINITION(revision) })))
        .taskDefinition ?? {}
    );
  }

  function runWith(image: string, runId: string): RunState {
    const [repository, digest] = image.split('@') as [string, string];
    return {
      runId,
      app: 'hello',
      trigger: { kind: 'upload' },
      context: { key: `contexts/hello/${runId}.tar.gz` },
      image: { repository, digest, tags: [runId], reference: image },
    };
  }

  beforeAll(async () => {
    aws = await startMoto();
    const ec2 = (params: Record<string, string>) => aws.query('ec2', { Version: '2016-11-15', ...params });
    const [vpcId] = xmlValues(await ec2({ Action: 'CreateVpc', CidrBlock: '10.42.0.0/16' }), 'vpcId');
    const subnets: string[] = [];
    for (const [index, zone] of ['eu-west-1a', 'eu-west-1b'].entries()) {
      subnets.push(
        ...xmlValues(
          await ec2({
            Action: 'CreateSubnet',
            VpcId: vpcId ?? '',
            CidrBlock: `10.42.${index}.0/24`,
            AvailabilityZone: zone,
          }),
          'subnetId',
        ),
      );
    }
    const network = { vpcId: vpcId ?? '', subnetIds: subnets.join(','), vpcCidr: '10.42.0.0/16' };
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: services({ service: 'slipway', stage: 'moto', network }, allApps(CONFIG)),
    };

    const cfn = (params: Record<string, string>) =>
      aws.query('cloudformation', { Version: '2010-05-15', StackName: 'slipway-moto', ...params });
    await cfn({
      Action: 'CreateStack',
      TemplateBody: JSON.stringify(template),
      'Capabilities.member.1': 'CAPABILITY_IAM',
    });
    const deadline = Date.now() + 60_000;
    while (xmlValues(await cfn({ Action: 'DescribeStacks' }), 'StackStatus')[0] !== 'CREATE_COMPLETE') {
      if (Date.now() > deadline) throw new Error('moto did not create the stack in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const members = xmlValues(await cfn({ Action: 'DescribeStackResources' }), 'member');
    physical = Object.fromEntries(
      members.map((m) => [xmlValues(m, 'LogicalResourceId')[0], xmlValues(m, 'PhysicalResourceId')[0] ?? '']),
    );

    // SLIPWAY_APPS as CloudFormation would fill it in for the functions: the stack's own Fn::Sub, with moto's values.
    const values: Record<string, string> = {
      'HelloLoadBalancer.DNSName':
        xmlValues(
          await aws.query('elasticloadbalancing', {
            Version: '2015-12-01',
            Action: 'DescribeLoadBalancers',
            'LoadBalancerArns.member.1': physical.HelloLoadBalancer ?? '',
          }),
          'DNSName',
        )[0] ?? '',
    };
    for (const role of ['HelloExecutionRole', 'HelloTaskRole']) {
      values[`${role}.Arn`] =
        xmlValues(
          await aws.query('iam', { Version: '2010-05-08', Action: 'GetRole', RoleName: physical[role] ?? '' }),
          'Arn',
        )[0] ?? '';
    }
    const env = (appsEnvironment(createdApps(allApps(CONFIG)), 'slipway', 'moto') as { 'Fn::Sub': string })['Fn::Sub'];
    stack = parseStackServices(
      env.replace(/\$\{([\w.]+)\}/g, (_, key: string) => values[key] ?? `<${key} unresolved>`),
    );

    ecs = new ECSClient({
      endpoint: aws.endpoint,
      region: aws.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    deps = {
      config: CONFIG,
      containers: new EcsContainerService({ client: ecs, stack, region: aws.region }),
      // The deploy marker (newest wins) in memory: this suite is about ECS; the S3 adapter's conditional writes have their own tests.
      objects: new FakeObjects(),
      clock: systemClock,
      logger: silentLogger,
      settings: { contextBucket: 'unused', uploadUrlSeconds: 900, rolloutTimeoutSeconds: 1800 },
    } as unknown as Dependencies;
  });

  afterAll(async () => {
    ecs?.destroy();
    await aws?.stop();
  });

  it("creates the app's cluster, service, load balancer, listener, target group, security groups, roles, repository and log group", () => {
    expect(Object.keys(physical).sort()).toEqual(
      [
        'AppsCluster',
        'HelloBootstrapTaskDefinition',
        'HelloExecutionRole',
        'HelloHttpListener',
        'HelloLoadBalancer',
        'HelloLoadBalancerSecurityGroup',
        'HelloLogGroup',
        'HelloRepository',
        'HelloService',
        'HelloTargetGroup',
        'HelloTaskIngressFromLoadBalancer',
        'HelloTaskRole',
        'HelloTaskSecurityGroup',
      ].sort(),
    );
    expect(stack.cluster).toBe('slipway-moto');
    expect(stack.apps.hello).toMatchObject({
      service: 'hello',
      logGroup: '/slipway/moto/hello',
      executionRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//),
    });
    expect(stack.apps.hello?.url).toMatch(/^http:\/\/.+\.elb\.amazonaws\.com$/);
  });

  it('checks health every 5 s and puts a target in service after 2 healthy checks', async () => {
    const elb = (params: Record<string, string>) =>
      aws.query('elasticloadbalancing', { Version: '2015-12-01', ...params });
    const group = await elb({
      Action: 'DescribeTargetGroups',
      'TargetGroupArns.member.1': physical.HelloTargetGroup ?? '',
    });
    expect(
      [
        'HealthCheckPath',
        'HealthCheckIntervalSeconds',
        'HealthCheckTimeoutSeconds',
        'HealthyThresholdCount',
        'TargetType',
      ].map((tag) => xmlValues(group, tag)[0]),
    ).toEqual(['/', '5', '4', '2', 'ip']);
  });

  it("admits only the load balancer's security group to the tasks, on the app port", async () => {
    const groups = await aws.query('ec2', {
      Version: '2016-11-15',
      Action: 'DescribeSecurityGroups',
      'GroupId.1': physical.HelloTaskSecurityGroup ?? '',
    });
    const ingress = xmlValues(groups, 'ipPermissions')[0] ?? '';
    expect(xmlValues(ingress, 'fromPort')).toEqual(['8080']);
    expect(xmlValues(ingress, 'groupId')).toEqual([physical.HelloLoadBalancerSecurityGroup]);
    expect(xmlValues(ingress, 'cidrIp')).toEqual([]);
  });

  it('creates the service with nothing running, on the bootstrap revision', async () => {
    const service = await describeService();
    expect(service).toMatchObject({
      status: 'ACTIVE',
      desiredCount: 0,
      runningCount: 0,
      taskDefinition: TASK_DEFINITION(1),
    });
    expect((await describeRevision(1)).containerDefinitions?.[0]?.image).toBe(`${REPOSITORY}:slipway-bootstrap`);
  });

  it('first deploy: registers the whole revision from the config and the stack, and brings the service from 0 to its desired count', async () => {
    // moto starts no deployment on UpdateService (see the top of this file): the step ends there, after the service moved.
    await expect(deploy(runWith(IMAGE_1, 'run-1'), deps)).rejects.toThrow(
      `started no deployment of ${TASK_DEFINITION(2)}`,
    );

    expect(await describeService()).toMatchObject({ taskDefinition: TASK_DEFINITION(2), desiredCount: 2 });
    const revision = await describeRevision(2);
    expect(revision).toMatchObject({
      family: 'slipway-moto-hello',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
      executionRoleArn: stack.apps.hello?.executionRoleArn,
      taskRoleArn: stack.apps.hello?.taskRoleArn,
    });
    expect(revision.containerDefinitions?.[0]).toMatchObject({
      name: 'hello',
      image: IMAGE_1,
      environment: [{ name: 'GREETING', value: 'hi' }],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: PARAMETER }],
      stopTimeout: 10,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/slipway/moto/hello',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'app',
        },
      },
    });
  });

  it('second deploy: registers the next revision with the new image and keeps the count', async () => {
    await expect(deploy(runWith(IMAGE_2, 'run-2'), deps)).rejects.toThrow(
      `started no deployment of ${TASK_DEFINITION(3)}`,
    );

    expect(await describeService()).toMatchObject({ taskDefinition: TASK_DEFINITION(3), desiredCount: 2 });
    expect((await describeRevision(3)).containerDefinitions?.[0]?.image).toBe(IMAGE_2);
  });

  it('rollback: deploying the earlier image again moves the service to a revision of it, with the same settings', async () => {
    await expect(deploy({ ...runWith(IMAGE_1, 'run-3'), trigger: { kind: 'rollback' } }, deps)).rejects.toThrow(
      `started no deployment of ${TASK_DEFINITION(4)}`,
    );

    expect(await describeService()).toMatchObject({ taskDefinition: TASK_DEFINITION(4), desiredCount: 2 });
    const [earlier, rolledBack] = [await describeRevision(2), await describeRevision(4)];
    expect(rolledBack.containerDefinitions?.[0]?.image).toBe(IMAGE_1);
    expect(rolledBack.containerDefinitions).toEqual(earlier.containerDefinitions);
  });

  it('moves the service back to an earlier revision with UpdateService (a rollout past its deadline)', async () => {
    // moto keeps its creation deployment PRIMARY (on the bootstrap revision) through every UpdateService, so the
    // adapter's check that a deployment of the earlier revision started fails there, after the service moved.
    const [creation] = (await describeService()).deployments ?? [];
    const revert = deps.containers.revert?.bind(deps.containers);

    await expect(
      revert?.({
        app: 'hello',
        service: {
          cluster: 'slipway',
          name: 'hello',
          container: 'hello',
          port: 8080,
          healthCheck: { path: '/', timeoutSeconds: 120 },
        },
        deploymentId: creation?.id ?? '',
        taskDefinition: TASK_DEFINITION(3),
      }),
    ).rejects.toThrow(`back to ${TASK_DEFINITION(3)} started no deployment of it`);

    expect(await describeService()).toMatchObject({ taskDefinition: TASK_DEFINITION(3), desiredCount: 2 });
  });

  it("reports the app's URL from the stack with a completed rollout", async () => {
    // The only deployment moto has is the creation one (COMPLETED, 0 tasks): enough to see the URL travel from the stack.
    const [creation] = (await describeService()).deployments ?? [];
    const status = await deps.containers.rollout({
      app: 'hello',
      service: {
        cluster: 'slipway',
        name: 'hello',
        container: 'hello',
        port: 8080,
        healthCheck: { path: '/', timeoutSeconds: 120 },
      },
      deploymentId: creation?.id ?? '',
    });
    expect(status).toMatchObject({ state: 'COMPLETED', url: stack.apps.hello?.url });
  });
});
