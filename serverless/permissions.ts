/**
 * What each Lambda may do: only the actions its code sends, on the stack's own resources.
 * test/aws/template.test.ts derives the SDK commands each function's code sends (through its
 * use-case and the AWS adapters) and fails when one of them is not allowed here.
 */
import { cacheRepositoryOf } from '../src/adapters/aws/build-cache.ts';
import type { AppConfig } from '../src/domain/config.ts';

/** A CloudFormation value: a literal or an intrinsic function. */
export type CfnValue =
  | string
  | { 'Fn::Sub': string | [string, Record<string, CfnValue>] }
  | { 'Fn::GetAtt': [string, string] }
  | { Ref: string }
  | { 'Fn::Select': [number, unknown] };

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The names the policies point at: the stack's resources and the apps slipway.config.json declares. */
export interface StackRefs {
  /** `slipway-dev`: the state machine's name (fixed, so its ARN can be written without a reference cycle). */
  stateMachineName: string;
  apps: AppConfig[];
  /** The Secrets Manager secret the webhook reads (`slipway/<stage>/github`); its ARN ends in a random suffix. */
  githubSecretName: string;
  /** The stage's cluster, where the created services run (`slipway-dev`). */
  clusterName: string;
}

const ACCOUNT = 'arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s';

/** `arn('ecr', 'repository/hello')` → `{ 'Fn::Sub': 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/hello' }` */
export function arn(service: string, resource: string): CfnValue {
  return { 'Fn::Sub': ACCOUNT.replace('%s', service).replace('%s', resource) };
}

function allow(
  Sid: string,
  Action: string[],
  Resource: CfnValue | CfnValue[],
  Condition?: Statement['Condition'],
): Statement {
  return { Sid, Effect: 'Allow', Action, Resource, ...(Condition && { Condition }) };
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** `ecsName('arn:aws:ecs:eu-west-1:1:cluster/prod')` → `prod`; a plain name stays as it is. */
function ecsName(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn;
}

/**
 * `service/<cluster>/<service>` of each app's service: ECS's long ARN format (the default since 2021). A created
 * service runs in the stage's cluster.
 */
function servicePaths(stack: StackRefs): string[] {
  return unique(
    stack.apps.map(
      (a) => `service/${a.service.created ? stack.clusterName : ecsName(a.service.cluster)}/${a.service.name}`,
    ),
  );
}

/**
 * What wakeRollouts' event pattern matches in `resources` (serverless.yml): the apps' services only, so the
 * account's other ECS deployments invoke nothing. Each in the long ARN format and, for services made before
 * it became the default, the short one (`service/<service>`), which their events carry.
 */
export function deploymentEventResources(stack: StackRefs): CfnValue[] {
  const paths = servicePaths(stack);
  const short = unique(paths.map((path) => `service/${path.split('/').pop()}`));
  return [...paths, ...short].map((path) => arn('ecs', path));
}

function refs(stack: StackRefs) {
  return {
    contextObjects: { 'Fn::Sub': '${ContextsBucket.Arn}/contexts/*' } as CfnValue,
    // The per-app deploy markers (newest wins) and the webhook's delivery claims: docs/guarantees.md.
    deployMarkers: { 'Fn::Sub': '${ContextsBucket.Arn}/guards/deploys/*' } as CfnValue,
    deliveryClaims: { 'Fn::Sub': '${ContextsBucket.Arn}/guards/deliveries/*' } as CfnValue,
    // The runs' wait records (the callback waits: src/use-cases/waits.ts), one folder per kind of wait.
    buildWaits: { 'Fn::Sub': '${ContextsBucket.Arn}/waits/builds/*' } as CfnValue,
    rolloutWaits: { 'Fn::Sub': '${ContextsBucket.Arn}/waits/rollouts/*' } as CfnValue,
    bucket: { 'Fn::GetAtt': ['ContextsBucket', 'Arn'] } as CfnValue,
    stateMachine: arn('states', `stateMachine:${stack.stateMachineName}`),
    executions: arn('states', `execution:${stack.stateMachineName}:*`),
    buildProject: { 'Fn::GetAtt': ['BuildProject', 'Arn'] } as CfnValue,
    // A log group's Arn attribute ends in `:*`, which covers its streams.
    buildLogs: { 'Fn::GetAtt': ['BuildLogGroup', 'Arn'] } as CfnValue,
    repositories: unique(stack.apps.map((a) => a.repository)).map((name) => arn('ecr', `repository/${name}`)),
    // The build's registry cache, one repository per app repository (serverless/stack.ts buildCaches).
    cacheRepositories: unique(stack.apps.map((a) => a.repository)).map((name) =>
      arn('ecr', `repository/${cacheRepositoryOf(name)}`),
    ),
    services: servicePaths(stack).map((path) => arn('ecs', path)),
    taskDefinitions: arn('ecs', 'task-definition/*'),
    // `Run Step Changed` goes to the account's default bus (SLIPWAY_EVENT_BUS is not set).
    eventBus: arn('events', 'event-bus/default'),
    // What a new revision may hand ECS: the roles the stack made for the created apps, and the role
    // ARNs slipway.config.json names for the existing ones (service.existing.roleArns); nothing else.
    taskRoles: unique(
      stack.apps.flatMap((a): string[] => {
        if (!a.service.created) return a.service.existing?.roleArns ?? [];
        const id = a.name.replace(/(^|-)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase());
        return [`${id}ExecutionRole`, `${id}TaskRole`];
      }),
    ).map((role): CfnValue => (role.startsWith('arn:') ? role : { 'Fn::GetAtt': [role, 'Arn'] })),
  };
}

/**
 * Function key in serverless.yml → the statements its code needs (besides writing its own logs and
 * traces, which every function gets). The comment on each names the calls that need it.
 */
export function functionStatements(stack: StackRefs): Record<string, Statement[]> {
  const r = refs(stack);
  // HeadObject needs GetObject; without ListBucket a missing key answers 403 instead of 404.
  const headContext = [
    allow('ReadContexts', ['s3:GetObject'], r.contextObjects),
    allow('TellMissingContexts', ['s3:ListBucket'], r.bucket),
  ];
  // Newest wins: GetObject and conditional PutObject of the app's deploy marker; a missing marker answers 404 (not 403) only with ListBucket.
  const tellMissingMarkers = allow('TellMissingMarkers', ['s3:ListBucket'], r.bucket);
  const claimServices = [allow('ClaimServices', ['s3:GetObject', 's3:PutObject'], r.deployMarkers), tellMissingMarkers];
  const watchClaims = [allow('ReadClaims', ['s3:GetObject'], r.deployMarkers), tellMissingMarkers];
  const describeServices = allow('ReadServices', ['ecs:DescribeServices'], r.services);
  // DescribeTaskDefinition has no resource-level permissions: the Service Authorization Reference lists no resource type for it.
  const describeTaskDefinitions = allow('ReadTaskDefinitions', ['ecs:DescribeTaskDefinition'], '*');
  // keepReleases moves the slipway-release-N tags: read the images' tags, re-put a manifest under a tag.
  const tagReleases = allow('TagReleases', ['ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:PutImage'], r.repositories);
  const readRuns = allow('ReadRuns', ['states:DescribeExecution', 'states:GetExecutionHistory'], r.executions);
  // Every step announces itself (src/pipeline/step-handler.ts): PutEvents of `Run Step Changed`.
  const announce = allow('AnnounceSteps', ['events:PutEvents'], r.eventBus);
  // A wait's record: the wait Task's function writes it (PutObject); a look reads it (GetObject) and deletes it once it
  // has resumed the run (the token is the claim: no write of the record on the way); ListBucket so a missing one is a 404.
  // SendTaskSuccess / SendTaskFailure name no resource: the task token itself says which Task (Service Authorization Reference).
  const waits = (records: CfnValue, { records: writes }: { records: boolean }) => [
    allow('KeepWaits', [...(writes ? ['s3:PutObject'] : []), 's3:GetObject', 's3:DeleteObject'], records),
    allow('TellMissingWaits', ['s3:ListBucket'], r.bucket),
    allow('ResumeRuns', ['states:SendTaskSuccess', 'states:SendTaskFailure'], '*'),
  ];
  // What the build's look reads: BatchGetBuilds; GetLogEvents for the last lines of a failed build.
  const lookAtBuilds = [
    allow('ReadBuilds', ['codebuild:BatchGetBuilds'], r.buildProject),
    allow('ReadBuildLogs', ['logs:GetLogEvents'], r.buildLogs),
  ];
  // What the rollout's look reads and does: the deploy marker (superseded?), DescribeServices; with keepReleases,
  // DescribeImages, then BatchGetImage + PutImage to tag the release; at the rollout's deadline, UpdateService back
  // to the revision that served before.
  const lookAtRollouts = [
    ...watchClaims,
    describeServices,
    tagReleases,
    allow('MoveServicesBack', ['ecs:UpdateService'], r.services),
  ];
  return {
    // POST /uploads: the presigned POST (its policy) is signed with this role's credentials; S3 checks s3:PutObject.
    createUpload: [allow('PresignContextUploads', ['s3:PutObject'], r.contextObjects)],
    // GET /runs: ListExecutions, then DescribeExecution of each.
    listRuns: [
      allow('ListRuns', ['states:ListExecutions'], r.stateMachine),
      allow('DescribeRuns', ['states:DescribeExecution'], r.executions),
    ],
    // GET /apps: per app, what serves (DescribeServices, DescribeTaskDefinition) and its recent runs (ListExecutions, DescribeExecution).
    listApps: [
      allow('ListRuns', ['states:ListExecutions'], r.stateMachine),
      allow('DescribeRuns', ['states:DescribeExecution'], r.executions),
      describeServices,
      describeTaskDefinitions,
    ],
    // GET /runs/{id}: DescribeExecution and GetExecutionHistory; during a rollout, DescribeServices for its counts.
    getRun: [readRuns, describeServices],
    // GET /runs/{id}/logs: the run's history, then GetLogEvents of its build's stream.
    getRunLogs: [readRuns, allow('ReadBuildLogs', ['logs:GetLogEvents'], r.buildLogs)],
    // POST /apps/{app}/rollback: earlier runs (ListExecutions, DescribeExecution, GetExecutionHistory), what serves now, StartExecution.
    rollback: [
      allow('ListAndStartRuns', ['states:ListExecutions', 'states:StartExecution'], r.stateMachine),
      readRuns,
      describeServices,
      describeTaskDefinitions,
    ],
    // POST /webhooks/github: the webhook secret and token (GetSecretValue), the delivery's claim, and PutObject
    // of the fetched source as the app's context.
    githubWebhook: [
      allow(
        'ReadGithubSecret',
        ['secretsmanager:GetSecretValue'],
        arn('secretsmanager', `secret:${stack.githubSecretName}-*`),
      ),
      allow('StoreContexts', ['s3:PutObject'], r.contextObjects),
      // The delivery claim: conditional PutObject (If-None-Match), GetObject of the claim a duplicate finds; ListBucket so a missing one is a 404.
      allow('ClaimDeliveries', ['s3:GetObject', 's3:PutObject'], r.deliveryClaims),
      allow('TellMissingClaims', ['s3:ListBucket'], r.bucket),
    ],
    // GET /: a static page.
    dashboard: [],
    // S3 "Object Created": HeadObject of the context, StartExecution named after the run id.
    // `Build Requested`: the app's latest run (ListExecutions, DescribeExecution, GetExecutionHistory) gives the context to rebuild.
    startRun: [
      ...headContext,
      allow('ListAndStartRuns', ['states:ListExecutions', 'states:StartExecution'], r.stateMachine),
      readRuns,
    ],
    // HeadObject and GetObject of the context (its build key); DescribeRepositories, CreateRepository when missing;
    // DescribeImages of the build key's tag (an image to reuse).
    prepare: [
      announce,
      ...headContext,
      allow('EnsureRepositories', ['ecr:DescribeRepositories', 'ecr:CreateRepository'], r.repositories),
      allow('FindKeyedImages', ['ecr:DescribeImages'], r.repositories),
    ],
    // StartBuild, and ListBuildsForProject + BatchGetBuilds to find the build a retried start already started.
    // No S3 access: the build reads the context with its own role (buildStatements).
    'start-build': [
      announce,
      allow(
        'StartBuilds',
        ['codebuild:StartBuild', 'codebuild:ListBuildsForProject', 'codebuild:BatchGetBuilds'],
        r.buildProject,
      ),
    ],
    // AwaitBuild: records the wait, then looks at the build once (and resumes the run if it has ended).
    'await-build': [announce, ...lookAtBuilds, ...waits(r.buildWaits, { records: true })],
    // CodeBuild's Build State Change: the build's wait record, a look, the run resumed.
    wakeBuilds: [announce, ...lookAtBuilds, ...waits(r.buildWaits, { records: false })],
    // BatchGetImage + PutImage to name the built image (its build key's and commit's tags); GetLifecyclePolicy, PutLifecyclePolicy
    // when it differs; with keepReleases, DescribeImages, then BatchGetImage + PutImage to repair release tags.
    'apply-lifecycle': [
      announce,
      allow('TidyRepositories', ['ecr:GetLifecyclePolicy', 'ecr:PutLifecyclePolicy'], r.repositories),
      tagReleases,
    ],
    // The deploy marker (GetObject, conditional PutObject); DescribeServices, DescribeTaskDefinition (with TAGS), RegisterTaskDefinition (with the tags), UpdateService.
    deploy: [
      announce,
      ...claimServices,
      describeServices,
      describeTaskDefinitions,
      // RegisterTaskDefinition has no resource-level permissions (as DescribeTaskDefinition).
      allow('RegisterTaskDefinitions', ['ecs:RegisterTaskDefinition'], '*'),
      allow('TagNewTaskDefinitions', ['ecs:TagResource'], r.taskDefinitions, {
        StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      }),
      ...(r.taskRoles.length > 0
        ? [
            allow('PassTaskRoles', ['iam:PassRole'], r.taskRoles, {
              StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
            }),
          ]
        : []),
      allow('UpdateServices', ['ecs:UpdateService'], r.services),
    ],
    // AwaitRollout: records the wait, then looks at the rollout once (and resumes the run if it has ended).
    'await-rollout': [announce, ...lookAtRollouts, ...waits(r.rolloutWaits, { records: true })],
    // ECS's Deployment State Change: the waits of the service's app (ListObjectsV2, authorised as ListBucket), a look each.
    wakeRollouts: [announce, ...lookAtRollouts, ...waits(r.rolloutWaits, { records: false })],
    // GET /apps/{app}/lifecycle/preview: StartLifecyclePolicyPreview, GetLifecyclePolicyPreview, DescribeImages.
    lifecyclePreview: [
      allow(
        'PreviewLifecyclePolicies',
        ['ecr:StartLifecyclePolicyPreview', 'ecr:GetLifecyclePolicyPreview', 'ecr:DescribeImages'],
        r.repositories,
      ),
    ],
    // What still serves: DescribeServices, DescribeTaskDefinition.
    'report-failure': [announce, describeServices, describeTaskDefinitions],
  };
}

/** X-Ray accepts no resource-level permissions: PutTraceSegments and PutTelemetryRecords must name `*`. */
export const TRACING: Statement = allow('WriteTraces', ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*');

/**
 * CodeBuild runs buildspec/buildspec.yml: it writes its log, reads the context (`aws s3 cp` of
 * contexts/…, with this role: no URL travels in the build's environment), logs in to ECR, pulls
 * and pushes the cache in the `<repository>-cache` repositories, and pushes the image.
 */
export function buildStatements(stack: StackRefs): Statement[] {
  const r = refs(stack);
  return [
    allow('WriteBuildLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], r.buildLogs),
    allow('ReadContexts', ['s3:GetObject'], r.contextObjects),
    // GetAuthorizationToken is account-wide: it takes no resource.
    allow('LogInToEcr', ['ecr:GetAuthorizationToken'], '*'),
    allow(
      'PushImages',
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ],
      [...r.repositories, ...r.cacheRepositories],
    ),
  ];
}

/**
 * The state machine invokes the step functions, delivers its logs and writes traces. CloudWatch
 * Logs' log delivery actions take no resource (AWS documents `*` for them in the Step Functions
 * logging guide), nor do X-Ray's.
 */
export function stateMachineStatements(stepFunctionArns: CfnValue[]): Statement[] {
  const versions = stepFunctionArns.map((fn): CfnValue => ({ 'Fn::Sub': ['${Arn}:*', { Arn: fn }] }));
  return [
    allow('InvokeSteps', ['lambda:InvokeFunction'], [...stepFunctionArns, ...versions]),
    allow(
      'DeliverLogs',
      [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      '*',
    ),
    allow(
      'WriteTraces',
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      '*',
    ),
  ];
}
