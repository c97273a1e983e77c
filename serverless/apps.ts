/**
 * What the stack creates for each app whose service it owns (the default; `service.existing` gets none
 * of it): repository, roles, log group, a bootstrap task definition, the service in the stage's
 * cluster, its load balancer, listener(s), target group, security groups and autoscaling.
 *
 * The stack and the pipeline must not fight over the service (docs/aws.md, "Who owns what"): the
 * service points at a bootstrap revision that never changes in the template, and every run
 * registers the real revision from slipway.config.json. See `service()` for DesiredCount.
 */
import type { AppConfig, CreatedService } from '../src/domain/config.ts';
import { arn, type CfnValue } from './permissions.ts';
import type { Network } from './network.ts';

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
}

export type CreatedApp = AppConfig & { service: AppConfig['service'] & { created: CreatedService } };

/** The logical-id prefix of an app's resources: `web-api` → `WebApi`. */
export function appLogicalId(app: string): string {
  return app.replace(/(^|-)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase());
}

/** The per-stage cluster every created service runs in: `slipway-dev`. */
export function clusterName(service: string, stage: string): string {
  return `${service}-${stage}`;
}

/** The created apps of a config, in its order. */
export function createdApps(apps: AppConfig[]): CreatedApp[] {
  return apps.filter((app): app is CreatedApp => app.service.created !== undefined);
}

/** `/slipway/dev/hello`: the app's container logs. */
export function appLogGroupName(stage: string, app: string): string {
  return `/slipway/${stage}/${app}`;
}

/** The tag the bootstrap revision names: never pushed, so a bootstrap task that somehow starts fails to pull, visibly. */
export const BOOTSTRAP_TAG = 'slipway-bootstrap';

/** The fast-rollout settings AWS recommends for services behind a load balancer (docs/aws.md says what each costs and gains). */
export const FAST_ROLLOUT = { healthyThresholdCount: 2, unhealthyThresholdCount: 2 } as const;

/** The app's URL: the domain's name, else the load balancer's DNS name (HTTPS when a certificate is configured). */
export function appUrl(app: CreatedApp): CfnValue {
  const domain = app.service.created.domain;
  if (domain?.name) return `https://${domain.name}`;
  return { 'Fn::Sub': `${domain ? 'https' : 'http'}://\${${appLogicalId(app.name)}LoadBalancer.DNSName}` };
}

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Action: 'sts:AssumeRole',
      // Only ECS tasks of this account may assume it (the confused-deputy guard AWS documents for task roles).
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    },
  ],
};

/** `{ role, secrets }` → the secret and parameter ARNs IAM must name (a Secrets Manager ARN without its random suffix gets `-??????`). */
export function secretResources(secrets: Record<string, string>): { secretsManager: string[]; ssm: string[] } {
  const secretsManager = new Set<string>();
  const ssm = new Set<string>();
  for (const value of Object.values(secrets)) {
    if (value.includes(':ssm:')) {
      ssm.add(value);
      continue;
    }
    // arn:aws:secretsmanager:region:account:secret:name[-AbCdEf][:json-key:stage:version]
    const base = value.split(':').slice(0, 7).join(':');
    secretsManager.add(/-[A-Za-z0-9]{6}$/.test(base) ? base : `${base}-??????`);
  }
  return { secretsManager: [...secretsManager], ssm: [...ssm] };
}

/** Every resource of one created app. */
export function appResources(
  app: CreatedApp,
  input: { service: string; stage: string; network: Network },
): Record<string, Resource> {
  const id = appLogicalId(app.name);
  const created = app.service.created;
  const { port, healthCheck, container } = app.service;
  const net = input.network;
  const secrets = secretResources(created.secrets);
  const resources: Record<string, Resource> = {};

  resources[`${id}Repository`] = {
    Type: 'AWS::ECR::Repository',
    Properties: {
      RepositoryName: app.repository,
      // keepReleases moves its slipway-release-N tags; the lifecycle policy is the pipeline's (apply-lifecycle), not the stack's.
      ImageTagMutability: 'MUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      // Removing the stack removes the images too (they are rebuilt from source).
      EmptyOnDelete: true,
    },
  };
  resources[`${id}LogGroup`] = {
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: appLogGroupName(input.stage, app.name), RetentionInDays: created.logRetentionDays },
  };
  const executionStatements: unknown[] = [
    { Sid: 'LogInToEcr', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    {
      Sid: 'PullOwnImages',
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: { 'Fn::GetAtt': [`${id}Repository`, 'Arn'] },
    },
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [`${id}LogGroup`, 'Arn'] },
    },
  ];
  if (secrets.secretsManager.length > 0) {
    executionStatements.push({
      Sid: 'ReadOwnSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets.secretsManager,
    });
  }
  if (secrets.ssm.length > 0) {
    executionStatements.push({
      Sid: 'ReadOwnParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: secrets.ssm,
    });
  }
  resources[`${id}ExecutionRole`] = {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `ECS starting ${app.name}'s tasks (Slipway ${input.stage}): pull its image, write its log, read its secrets.`,
      AssumeRolePolicyDocument: trust,
      Policies: [
        { PolicyName: 'start-tasks', PolicyDocument: { Version: '2012-10-17', Statement: executionStatements } },
      ],
    },
  };
  resources[`${id}TaskRole`] = {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `${app.name}'s code (Slipway ${input.stage}): only the managed policies apps.${app.name}.service.taskPolicyArns lists.`,
      AssumeRolePolicyDocument: trust,
      ...(created.taskPolicyArns.length > 0 && { ManagedPolicyArns: created.taskPolicyArns }),
    },
  };
  // Never changes in the template (only the app's port is in it): a stack update must not move the service back to it.
  resources[`${id}BootstrapTaskDefinition`] = {
    Type: 'AWS::ECS::TaskDefinition',
    Properties: {
      Family: `${input.service}-${input.stage}-${app.name}`,
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '256',
      Memory: '512',
      ExecutionRoleArn: { 'Fn::GetAtt': [`${id}ExecutionRole`, 'Arn'] },
      TaskRoleArn: { 'Fn::GetAtt': [`${id}TaskRole`, 'Arn'] },
      ContainerDefinitions: [
        {
          Name: container,
          Image: { 'Fn::Sub': `\${${id}Repository.RepositoryUri}:${BOOTSTRAP_TAG}` },
          Essential: true,
          PortMappings: [{ ContainerPort: port, Protocol: 'tcp' }],
        },
      ],
    },
  };

  resources[`${id}LoadBalancerSecurityGroup`] = {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      // EC2 allows only a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in a group description.
      GroupDescription: `Load balancer of ${app.name} (Slipway ${input.stage}) - ${created.public ? 'the internet' : 'the VPC'} on ${created.domain ? '80 and 443' : '80'}`,
      VpcId: net.vpc,
      SecurityGroupIngress: (created.domain ? [80, 443] : [80]).map((listenerPort) => ({
        IpProtocol: 'tcp',
        FromPort: listenerPort,
        ToPort: listenerPort,
        CidrIp: created.public ? '0.0.0.0/0' : net.cidr,
        Description: created.public ? 'the internet' : 'the VPC',
      })),
    },
  };
  resources[`${id}TaskSecurityGroup`] = {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: `Tasks of ${app.name} (Slipway ${input.stage}) - only its load balancer on ${port}`,
      VpcId: net.vpc,
    },
  };
  // A rule of its own, not inline: the two groups would otherwise refer to each other.
  resources[`${id}TaskIngressFromLoadBalancer`] = {
    Type: 'AWS::EC2::SecurityGroupIngress',
    Properties: {
      GroupId: { 'Fn::GetAtt': [`${id}TaskSecurityGroup`, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [`${id}LoadBalancerSecurityGroup`, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
      Description: `Load balancer of ${app.name}`,
    },
  };
  resources[`${id}LoadBalancer`] = {
    Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    Properties: {
      Type: 'application',
      Scheme: created.public ? 'internet-facing' : 'internal',
      Subnets: net.subnets,
      SecurityGroups: [{ 'Fn::GetAtt': [`${id}LoadBalancerSecurityGroup`, 'GroupId'] }],
      LoadBalancerAttributes: [{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }],
    },
  };
  resources[`${id}TargetGroup`] = {
    Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    Properties: {
      TargetType: 'ip',
      Protocol: 'HTTP',
      Port: port,
      VpcId: net.vpc,
      HealthCheckEnabled: true,
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: healthCheck.path,
      HealthCheckIntervalSeconds: healthCheck.intervalSeconds,
      // The timeout must be shorter than the interval.
      HealthCheckTimeoutSeconds: Math.min(healthCheck.intervalSeconds - 1, 10),
      HealthyThresholdCount: FAST_ROLLOUT.healthyThresholdCount,
      UnhealthyThresholdCount: FAST_ROLLOUT.unhealthyThresholdCount,
      // Any 2xx or 3xx is healthy, as in the local stack.
      Matcher: { HttpCode: '200-399' },
      TargetGroupAttributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: String(created.deregistrationDelaySeconds) },
      ],
    },
  };
  const forward = [{ Type: 'forward', TargetGroupArn: { Ref: `${id}TargetGroup` } }];
  const listeners = created.domain ? [`${id}HttpsListener`, `${id}HttpListener`] : [`${id}HttpListener`];
  if (created.domain) {
    resources[`${id}HttpsListener`] = {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn: { Ref: `${id}LoadBalancer` },
        Port: 443,
        Protocol: 'HTTPS',
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: created.domain.certificateArn }],
        DefaultActions: forward,
      },
    };
  }
  resources[`${id}HttpListener`] = {
    Type: 'AWS::ElasticLoadBalancingV2::Listener',
    Properties: {
      LoadBalancerArn: { Ref: `${id}LoadBalancer` },
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: created.domain
        ? [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]
        : forward,
    },
  };
  resources[`${id}Service`] = service(app, id, input, listeners);
  if (created.autoscaling) Object.assign(resources, autoscaling(app, id, input));
  return resources;
}

/**
 * The service, created with nothing running: no image exists before the first run, whose deploy
 * registers the real revision and sets the desired count. DesiredCount 0 is in the template because
 * CloudFormation starts a service without one at 1 (it would run the bootstrap revision); nothing
 * else on the resource changes with slipway.config.json but the port and the health-check grace, so
 * ordinary stack updates leave the service alone (docs/aws.md says which changes reset the count).
 */
function service(
  app: CreatedApp,
  id: string,
  input: { service: string; stage: string; network: Network },
  listeners: string[],
): Resource {
  return {
    Type: 'AWS::ECS::Service',
    // A target group must belong to a load balancer (through a listener) before a service may use it.
    DependsOn: listeners,
    Properties: {
      ServiceName: app.service.name,
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
      // Load balancer health is ignored this long after a task starts: the app's own allowance to become healthy.
      HealthCheckGracePeriodSeconds: app.service.healthCheck.timeoutSeconds,
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: input.network.assignPublicIp,
          SecurityGroups: [{ 'Fn::GetAtt': [`${id}TaskSecurityGroup`, 'GroupId'] }],
          Subnets: input.network.subnets,
        },
      },
      LoadBalancers: [
        {
          ContainerName: app.service.container,
          ContainerPort: app.service.port,
          TargetGroupArn: { Ref: `${id}TargetGroup` },
        },
      ],
      EnableECSManagedTags: true,
      PropagateTags: 'SERVICE',
    },
  };
}

function autoscaling(app: CreatedApp, id: string, input: { service: string; stage: string }): Record<string, Resource> {
  const scaling = app.service.created.autoscaling as NonNullable<CreatedService['autoscaling']>;
  return {
    [`${id}ScalableTarget`]: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      DependsOn: `${id}Service`,
      Properties: {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: `service/${clusterName(input.service, input.stage)}/${app.service.name}`,
        MinCapacity: scaling.min,
        MaxCapacity: scaling.max,
      },
    },
    [`${id}ScalingPolicy`]: {
      Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      Properties: {
        PolicyName: `${app.name}-cpu`,
        PolicyType: 'TargetTrackingScaling',
        ScalingTargetId: { Ref: `${id}ScalableTarget` },
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: scaling.cpuPercent,
          ScaleInCooldown: 60,
          ScaleOutCooldown: 60,
        },
      },
    },
  };
}

/** The stage's cluster, shared by the created services (no Container Insights: it is billed per metric). */
export function clusterResource(service: string, stage: string): Resource {
  return { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: clusterName(service, stage) } };
}

/**
 * SLIPWAY_APPS, the functions' view of what the stack made: `{ cluster, apps: { <app>: { service, url, executionRoleArn, taskRoleArn, logGroup } } }`.
 * One JSON value (Lambda's environment is at most 4 KB in all: about 12 created apps).
 */
export function appsEnvironment(apps: CreatedApp[], service: string, stage: string): CfnValue {
  const entries = apps.map((app) => {
    const id = appLogicalId(app.name);
    const url = appUrl(app);
    const urlText = typeof url === 'string' ? url : (url as { 'Fn::Sub': string })['Fn::Sub'];
    return (
      `"${app.name}":{"service":"${app.service.name}","url":"${urlText}","executionRoleArn":"\${${id}ExecutionRole.Arn}",` +
      `"taskRoleArn":"\${${id}TaskRole.Arn}","logGroup":"${appLogGroupName(stage, app.name)}"}`
    );
  });
  return { 'Fn::Sub': `{"cluster":"${clusterName(service, stage)}","apps":{${entries.join(',')}}}` };
}

/** The ARNs of the created apps' services, for IAM: `service/slipway-dev/hello`. */
export function createdServiceArns(apps: CreatedApp[], service: string, stage: string): CfnValue[] {
  return apps.map((app) => arn('ecs', `service/${clusterName(service, stage)}/${app.service.name}`));
}
