/**
 * The parts of the AWS stack that serverless.yml cannot spell out by hand: they come from files
 * the rest of Slipway owns (slipway.config.json, the ASL, the buildspec, the task → function map).
 * osls reads them through serverless/variables.cjs at packaging time, with no AWS call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile } from '../src/config-file.ts';
import { allApps, type AppConfig } from '../src/domain/config.ts';
import { InvalidConfigError } from '../src/domain/errors.ts';
import { DEFINITION_PATH, substitutionKey, TASK_FUNCTIONS, type TaskState } from '../src/pipeline/definition.ts';
import { cacheRepositoryOf } from '../src/adapters/aws/build-cache.ts';
import { appLogicalId, appResources, appsEnvironment, appUrl, clusterResource, createdApps } from './apps.ts';
import { network, type NetworkParams } from './network.ts';
import {
  arn,
  buildStatements,
  deploymentEventResources,
  functionStatements,
  stateMachineStatements,
  TRACING,
  type CfnValue,
  type Statement,
} from './permissions.ts';

export interface StackInput {
  /** The repository root (where serverless.yml is). */
  root: string;
  service: string;
  stage: string;
  /** slipway.config.json by default. */
  configPath?: string;
  /** Where created services run (serverless.yml params vpcId, subnetIds, vpcCidr, assignPublicIp); a VPC of the stack's own by default. */
  network?: Partial<NetworkParams>;
  /** The webhook's Secrets Manager secret (serverless.yml param githubSecretName); `slipway/<stage>/github` by default. */
  githubSecretName?: string;
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** osls's name for a function in logical ids: `start-build` → `StartDashbuild` (+ `LambdaFunction`, `LogGroup`). */
export function normalizedFunctionName(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalized.charAt(0).toUpperCase() + normalized.slice(1);
}

/** The logical id of a function's own role: `start-build` → `StartBuildRole`. */
export function roleLogicalId(name: string): string {
  return `${name.replace(/(^|[-_])(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())}Role`;
}

/** `slipway-dev`: named up front so the functions can be given its ARN without depending on it (it depends on them). */
export function stateMachineName(input: Pick<StackInput, 'service' | 'stage'>): string {
  return `${input.service}-${input.stage}`;
}

/** Everything serverless.yml takes from `${file(./serverless/variables.cjs):…}`. */
export function stackParts(input: StackInput) {
  const configPath = input.configPath ?? join(input.root, 'slipway.config.json');
  const config = readConfigFile(configPath);
  const apps = allApps(config);
  if (apps.length === 0) {
    throw new InvalidConfigError(
      `${configPath} declares no apps; the stack's ECR and ECS permissions are scoped to them. Add one under "apps".`,
    );
  }
  const name = stateMachineName(input);
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  const stepFunctionArns = states.map((state): CfnValue => ({
    'Fn::GetAtt': [`${normalizedFunctionName(TASK_FUNCTIONS[state])}LambdaFunction`, 'Arn'],
  }));

  // The webhook's secret: the githubSecretName param (its default in serverless.yml is the same), so the grant names the secret the function reads.
  const githubSecretName = input.githubSecretName || `slipway/${input.stage}/github`;
  const refs = { stateMachineName: name, apps, githubSecretName, clusterName: stateMachineName(input) };
  const roles: Record<string, Resource> = {};
  for (const [fn, statements] of Object.entries(functionStatements(refs))) {
    const logs: Statement = {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [`${normalizedFunctionName(fn)}LogGroup`, 'Arn'] },
    };
    roles[roleLogicalId(fn)] = role(`The ${fn} function of Slipway (${input.stage}).`, 'lambda.amazonaws.com', fn, [
      logs,
      TRACING,
      ...statements,
    ]);
  }
  roles.BuildRole = role(
    `CodeBuild running Slipway's buildspec (${input.stage}).`,
    'codebuild.amazonaws.com',
    'build',
    buildStatements(refs),
  );
  roles.StateMachineRole = role(
    `The Slipway state machine (${input.stage}).`,
    'states.amazonaws.com',
    'state-machine',
    stateMachineStatements(stepFunctionArns),
  );

  return {
    stateMachineName: name,
    stateMachineArn: arn('states', `stateMachine:${name}`),
    buildspec: readFileSync(join(input.root, 'buildspec', 'buildspec.yml'), 'utf8'),
    definition: JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as object,
    definitionSubstitutions: Object.fromEntries(
      states.map((state, index) => [substitutionKey(state), stepFunctionArns[index]]),
    ),
    roles,
    rebuildSchedules: rebuildSchedules(apps),
    buildCaches: buildCaches(apps),
    services: services(input, apps),
    appsEnvironment: appsEnvironment(createdApps(apps), input.service, input.stage),
    appOutputs: appOutputs(createdApps(apps)),
    deploymentEventResources: deploymentEventResources(refs),
  };
}

/** The created apps' resources, their shared cluster and network; none when every app names an existing service. */
export function services(
  input: Pick<StackInput, 'service' | 'stage' | 'network'>,
  apps: AppConfig[],
): Record<string, Resource> {
  const created = createdApps(apps);
  if (created.length === 0) return {};
  const net = network({ vpcId: '', subnetIds: '', vpcCidr: '', assignPublicIp: '', ...input.network }, input.stage);
  const internal = created.filter((app) => !app.service.created.public).map((app) => app.name);
  if (internal.length > 0 && net.cidr === undefined) {
    throw new InvalidConfigError(
      `${internal.map((a) => `"${a}"`).join(', ')} set service.public false: the load balancer admits only the VPC, whose CIDR block the stack needs. ` +
        `Pass it with --param="vpcCidr=10.0.0.0/16" next to vpcId.`,
    );
  }
  const resources: Record<string, Resource> = {
    ...net.resources,
    AppsCluster: clusterResource(input.service, input.stage),
  };
  for (const app of created)
    Object.assign(resources, appResources(app, { service: input.service, stage: input.stage, network: net }));
  return resources;
}

/** How long a cache manifest the build no longer points at (`buildcache` moved on) is kept. */
const CACHE_UNTAGGED_DAYS = 1;

/**
 * One `<repository>-cache` ECR repository per app repository, for the build's registry cache. Apart
 * from the app's repository, the app's lifecycle rules never see it (a `buildcache` tag there would
 * be counted by `tagPatternList: ["*"]` rules and could expire the newest image), and its own policy
 * drops the cache manifests a newer build replaced.
 */
export function buildCaches(apps: AppConfig[]): Record<string, Resource> {
  const resources: Record<string, Resource> = {};
  const seen = new Set<string>();
  for (const app of apps) {
    if (seen.has(app.repository)) continue;
    seen.add(app.repository);
    resources[`${appLogicalId(app.name)}BuildCacheRepository`] = {
      Type: 'AWS::ECR::Repository',
      Properties: {
        RepositoryName: cacheRepositoryOf(app.repository),
        // Every build moves the `buildcache` tag.
        ImageTagMutability: 'MUTABLE',
        // Only a cache: removing the stack removes it.
        EmptyOnDelete: true,
        LifecyclePolicy: {
          LifecyclePolicyText: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: 'Expire cache manifests that a newer build replaced',
                selection: {
                  tagStatus: 'untagged',
                  countType: 'sinceImagePushed',
                  countUnit: 'days',
                  countNumber: CACHE_UNTAGGED_DAYS,
                },
                action: { type: 'expire' },
              },
            ],
          }),
        },
      },
    };
  }
  return resources;
}

function appOutputs(created: ReturnType<typeof createdApps>): Record<string, { Description: string; Value: unknown }> {
  return Object.fromEntries(
    created.map((app) => [
      `${appLogicalId(app.name)}Url`,
      { Description: `Where ${app.name} serves once its first run has deployed it.`, Value: appUrl(app) },
    ]),
  );
}

/**
 * One EventBridge schedule rule per app with `rebuild.schedule`, targeting start-run with the
 * `Build Requested` shape it handles; the schedule event's own id and time are passed through, so a
 * redelivered schedule event derives the same run id and starts no second run.
 */
export function rebuildSchedules(apps: AppConfig[]): Record<string, Resource> {
  const startRun = { 'Fn::GetAtt': [`${normalizedFunctionName('startRun')}LambdaFunction`, 'Arn'] };
  const resources: Record<string, Resource> = {};
  for (const app of apps) {
    if (!app.rebuild) continue;
    const id = `${app.name.replace(/(^|-)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())}RebuildSchedule`;
    resources[id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `Rebuilds ${app.name} on ${app.rebuild.schedule} (apps.${app.name}.rebuild.schedule).`,
        ScheduleExpression: app.rebuild.schedule,
        State: 'ENABLED',
        Targets: [
          {
            Id: 'start-run',
            Arn: startRun,
            InputTransformer: {
              InputPathsMap: { id: '$.id', time: '$.time' },
              InputTemplate: `{"id": <id>, "time": <time>, "source": "slipway", "detail-type": "Build Requested", "detail": {"app": "${app.name}", "schedule": true}}`,
            },
          },
        ],
      },
    };
    resources[`${id}Permission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: startRun,
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
      },
    };
  }
  return resources;
}

function role(description: string, service: string, policyName: string, statements: Statement[]): Resource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}
