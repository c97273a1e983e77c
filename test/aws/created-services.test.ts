import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config-file.ts';
import { allApps, parseConfig } from '../../src/domain/config.ts';
import { InvalidConfigError } from '../../src/domain/errors.ts';
import { services } from '../../serverless/stack.ts';
import { cfnLint, errorsOf, requireCfnLint } from './support/cfn-lint.ts';
import { roleStatements } from './support/iam.ts';
import { packageStack, ROOT, type Template } from './support/package.ts';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf';
const PARTIAL_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/api-key';
const PARAMETER = 'arn:aws:ssm:eu-west-1:123456789012:parameter/shop/token';
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

/** Apps that use every created-service key, and one existing service. */
const RICH = parseConfig({
  apps: {
    shop: {
      platform: 'linux/arm64',
      service: {
        port: 3000,
        healthCheck: { path: '/health', intervalSeconds: 10 },
        cpu: 512,
        memory: 1024,
        secrets: { DB: SECRET, API_KEY: PARTIAL_SECRET, TOKEN: PARAMETER },
        environment: { MODE: 'prod' },
        autoscaling: { min: 2, max: 5, cpuPercent: 50 },
        domain: { name: 'shop.example.com', certificateArn: CERTIFICATE },
        taskPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        deregistrationDelaySeconds: 30,
        logRetentionDays: 7,
      },
    },
    intranet: { service: { public: false } },
    legacy: { service: { existing: { cluster: 'prod', roleArns: ['arn:aws:iam::123456789012:role/legacy-task'] } } },
  },
});

const lint = requireCfnLint();
let template: Template;
let dir: string;
const apps = allApps(readConfigFile(join(ROOT, 'slipway.config.json'))).filter((a) => a.service.created);
const idOf = (app: string) => app.replace(/(^|-)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase());

function resource(t: Template, id: string) {
  const found = t.Resources[id];
  if (!found) throw new Error(`The template has no resource ${id}`);
  return found;
}
const props = (t: Template, id: string) => resource(t, id).Properties as Record<string, unknown>;
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

/** A template of only the created services' resources, as CloudFormation would take it on its own. */
function servicesTemplate(config = RICH, network = {}): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: services({ service: 'slipway', stage: 'prod', network }, allApps(config)),
  } as Template;
}

beforeAll(async () => {
  ({ template } = await packageStack());
  dir = await mkdtemp(join(tmpdir(), 'slipway-lint-'));
});

describe('cfn-lint', () => {
  it.skipIf(!lint.available)(`reports no errors on the packaged template (${lint.reason})`, async () => {
    expect(errorsOf(await cfnLint(template, join(dir, 'packaged.json')))).toEqual([]);
  });

  it.skipIf(!lint.available)(
    'reports no errors on created services with a domain, autoscaling, secrets and an internal load balancer',
    async () => {
      expect(errorsOf(await cfnLint(servicesTemplate(), join(dir, 'rich.json')))).toEqual([]);
    },
  );

  it.skipIf(!lint.available)('reports no errors on created services in an existing VPC', async () => {
    const network = { vpcId: 'vpc-0a1b2c3d', subnetIds: 'subnet-0a1b2c3d,subnet-1a2b3c4d', vpcCidr: '172.31.0.0/16' };
    expect(errorsOf(await cfnLint(servicesTemplate(RICH, network), join(dir, 'existing-vpc.json')))).toEqual([]);
  });
});

describe.each(
  apps.map((a) => ({ app: a.name, id: idOf(a.name), port: a.service.port, path: a.service.healthCheck.path })),
)('created service $app (packaged template)', ({ app, id, port, path }) => {
  it('admits the internet to the load balancer on 80 and only the load balancer to the tasks, on the app port', () => {
    expect(props(template, `${id}LoadBalancerSecurityGroup`).SecurityGroupIngress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' }),
    ]);
    expect(props(template, `${id}TaskSecurityGroup`).SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::EC2::SecurityGroupIngress' &&
        JSON.stringify(r.Properties?.GroupId) === JSON.stringify(getAtt(`${id}TaskSecurityGroup`, 'GroupId')),
    );
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: getAtt(`${id}LoadBalancerSecurityGroup`, 'GroupId'),
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
      }),
    ]);
    expect(props(template, `${id}LoadBalancer`).SecurityGroups).toEqual([
      getAtt(`${id}LoadBalancerSecurityGroup`, 'GroupId'),
    ]);
    expect(props(template, `${id}Service`).NetworkConfiguration).toMatchObject({
      AwsvpcConfiguration: { SecurityGroups: [getAtt(`${id}TaskSecurityGroup`, 'GroupId')], AssignPublicIp: 'ENABLED' },
    });
  });

  it('checks health fast and drains old tasks for 10 s', () => {
    expect(props(template, `${id}TargetGroup`)).toMatchObject({
      TargetType: 'ip',
      Port: port,
      HealthCheckPath: path,
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-399' },
      TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }],
    });
  });

  it('forwards the listener on 80 to the target group the service registers its container in', () => {
    expect(props(template, `${id}HttpListener`)).toMatchObject({
      LoadBalancerArn: { Ref: `${id}LoadBalancer` },
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: `${id}TargetGroup` } }],
    });
    expect(props(template, `${id}Service`).LoadBalancers).toEqual([
      { ContainerName: app, ContainerPort: port, TargetGroupArn: { Ref: `${id}TargetGroup` } },
    ]);
    expect(resource(template, `${id}Service`).DependsOn).toEqual([`${id}HttpListener`]);
  });

  it('rolls out with the circuit breaker and rollback, 100-200 percent, starting from nothing running on the bootstrap revision', () => {
    expect(props(template, `${id}Service`)).toMatchObject({
      Cluster: { Ref: 'AppsCluster' },
      LaunchType: 'FARGATE',
      TaskDefinition: { Ref: `${id}BootstrapTaskDefinition` },
      DesiredCount: 0,
      DeploymentController: { Type: 'ECS' },
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
    });
  });

  it('gives the tasks an execution role that pulls only its image and writes only its log, and a task role with no permissions', () => {
    const statements = roleStatements(template, `${id}ExecutionRole`);
    expect(statements.find((s) => s.Sid === 'PullOwnImages')?.Resource).toEqual(getAtt(`${id}Repository`, 'Arn'));
    expect(statements.find((s) => s.Sid === 'WriteOwnLogs')?.Resource).toEqual(getAtt(`${id}LogGroup`, 'Arn'));
    expect(statements.map((s) => s.Sid)).toEqual(['LogInToEcr', 'PullOwnImages', 'WriteOwnLogs']);
    expect(roleStatements(template, `${id}TaskRole`)).toEqual([]);
    expect(props(template, `${id}TaskRole`).ManagedPolicyArns).toBeUndefined();
    expect(props(template, `${id}LogGroup`)).toEqual({ LogGroupName: `/slipway/dev/${app}`, RetentionInDays: 30 });
  });
});

describe('packaged stack with created services', () => {
  it('lets the deploy function pass exactly the roles the stack made for the tasks, to ECS tasks only', () => {
    const deployRole = Object.entries(template.Resources).find(([id]) => id === 'DeployRole')?.[0] ?? '';
    const passRole = roleStatements(template, deployRole).filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole).toEqual([
      expect.objectContaining({
        Resource: apps.flatMap((a) => [
          getAtt(`${idOf(a.name)}ExecutionRole`, 'Arn'),
          getAtt(`${idOf(a.name)}TaskRole`, 'Arn'),
        ]),
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    ]);
  });

  it('creates a VPC of two public subnets in two zones behind an internet gateway, and no NAT gateway', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::EC2::Subnet')).toHaveLength(2);
    expect(types).not.toContain('AWS::EC2::NatGateway');
    expect(props(template, 'AppsPublicRoute')).toMatchObject({
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: { Ref: 'AppsInternetGateway' },
    });
    expect(
      [1, 2].map(
        (n) =>
          (props(template, `AppsPublicSubnet${n}`).AvailabilityZone as { 'Fn::Select': [number] })['Fn::Select'][0],
      ),
    ).toEqual([0, 1]);
  });

  it("hands the functions each created app's cluster, service, URL, roles and log group", () => {
    const value = (
      props(template, 'DeployLambdaFunction').Environment as { Variables: Record<string, { 'Fn::Sub': string }> }
    ).Variables.SLIPWAY_APPS;
    const parsed = JSON.parse(value?.['Fn::Sub'] ?? '') as {
      cluster: string;
      apps: Record<string, Record<string, string>>;
    };
    expect(parsed.cluster).toBe('slipway-dev');
    for (const { name } of apps) {
      expect(parsed.apps[name]).toEqual({
        service: name,
        url: `http://\${${idOf(name)}LoadBalancer.DNSName}`,
        executionRoleArn: `\${${idOf(name)}ExecutionRole.Arn}`,
        taskRoleArn: `\${${idOf(name)}TaskRole.Arn}`,
        logGroup: `/slipway/dev/${name}`,
      });
    }
  });

  it("outputs each created app's URL", () => {
    for (const { name } of apps)
      expect(template.Outputs?.[`${idOf(name)}Url`]?.Value).toEqual({
        'Fn::Sub': `http://\${${idOf(name)}LoadBalancer.DNSName}`,
      });
  });
});

describe('created services from other configs', () => {
  const rich = servicesTemplate();

  it('serves HTTPS on 443 with the certificate and redirects 80 to it', () => {
    expect(props(rich, 'ShopHttpsListener')).toMatchObject({
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
      DefaultActions: [{ Type: 'forward' }],
    });
    expect(props(rich, 'ShopHttpListener').DefaultActions).toEqual([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
    ]);
    expect(
      (props(rich, 'ShopLoadBalancerSecurityGroup').SecurityGroupIngress as { FromPort: number }[]).map(
        (r) => r.FromPort,
      ),
    ).toEqual([80, 443]);
  });

  it('lets the execution role read exactly the secrets and parameters the app names', () => {
    const statements = roleStatements(rich, 'ShopExecutionRole');
    expect(statements.find((s) => s.Sid === 'ReadOwnSecrets')?.Resource).toEqual([SECRET, `${PARTIAL_SECRET}-??????`]);
    expect(statements.find((s) => s.Sid === 'ReadOwnParameters')).toMatchObject({
      Action: ['ssm:GetParameters'],
      Resource: [PARAMETER],
    });
  });

  it('gives the task role only the managed policies the config lists', () => {
    expect(props(rich, 'ShopTaskRole').ManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    expect(props(rich, 'ShopTaskRole').Policies).toBeUndefined();
  });

  it('scales on CPU between min and max', () => {
    expect(props(rich, 'ShopScalableTarget')).toEqual({
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: 'service/slipway-prod/shop',
      MinCapacity: 2,
      MaxCapacity: 5,
    });
    expect(props(rich, 'ShopScalingPolicy').TargetTrackingScalingPolicyConfiguration).toMatchObject({
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      TargetValue: 50,
    });
  });

  it('takes the health check and deregistration delay from the config', () => {
    expect(props(rich, 'ShopTargetGroup')).toMatchObject({
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 9,
      TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
  });

  it('keeps an internal load balancer reachable only from the VPC', () => {
    expect(props(rich, 'IntranetLoadBalancer').Scheme).toBe('internal');
    expect(props(rich, 'IntranetLoadBalancerSecurityGroup').SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 80, CidrIp: getAtt('AppsVpc', 'CidrBlock') }),
    ]);
  });

  it('creates nothing for an existing service', () => {
    expect(Object.keys(rich).length).toBeGreaterThan(0);
    expect(Object.keys(rich.Resources).filter((id) => id.startsWith('Legacy'))).toEqual([]);
  });

  it('creates no network or cluster when every app deploys into an existing service', () => {
    expect(
      services(
        { service: 'slipway', stage: 'prod' },
        allApps(parseConfig({ apps: { legacy: { service: { existing: { cluster: 'prod' } } } } })),
      ),
    ).toEqual({});
  });

  it('runs in the VPC and subnets the params name, creating no VPC', () => {
    const t = servicesTemplate(RICH, {
      vpcId: 'vpc-0a1b2c3d',
      subnetIds: 'subnet-0a1b2c3d, subnet-1a2b3c4d',
      vpcCidr: '172.31.0.0/16',
    });
    expect(Object.values(t.Resources).map((r) => r.Type)).not.toContain('AWS::EC2::VPC');
    expect(props(t, 'ShopLoadBalancer').Subnets).toEqual(['subnet-0a1b2c3d', 'subnet-1a2b3c4d']);
    expect(props(t, 'ShopTargetGroup').VpcId).toBe('vpc-0a1b2c3d');
    expect(
      (props(t, 'IntranetLoadBalancerSecurityGroup').SecurityGroupIngress as { CidrIp: string }[])[0]?.CidrIp,
    ).toBe('172.31.0.0/16');
  });

  it.each([
    [{ vpcId: 'vpc-0a1b2c3d', subnetIds: 'subnet-0a1b2c3d' }, 'two or more subnet ids'],
    [{ vpcId: 'vpc-0a1b2c3d', subnetIds: 'subnet-0a1b2c3d,subnet-1a2b3c4d' }, '--param="vpcCidr=10.0.0.0/16"'],
    [{ subnetIds: 'subnet-0a1b2c3d,subnet-1a2b3c4d' }, 'needs the vpcId param'],
    [{ assignPublicIp: 'YES' }, 'use ENABLED or DISABLED'],
  ])('refuses network params %j, saying what to pass', (network, message) => {
    expect(() => servicesTemplate(RICH, network)).toThrow(InvalidConfigError);
    expect(() => servicesTemplate(RICH, network)).toThrow(message);
  });
});
