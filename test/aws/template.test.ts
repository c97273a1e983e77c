import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readConfigFile } from '../../src/config-file.ts';
import { appConfig } from '../../src/domain/config.ts';
import { DEFINITION_PATH, TASK_FUNCTIONS } from '../../src/pipeline/definition.ts';
import { TemplateChecker } from './support/cfn-schema.ts';
import { allowedActions, granting, list, roleStatements } from './support/iam.ts';
import { bundleBytes } from '../../serverless/bundle-sizes.ts';
import { layerAt, packageStack, ROOT, unzip, unzipTo, type Template } from './support/package.ts';
import { commandsOfHandler, iamActions } from './support/sdk-calls.ts';

/** serverless.yml's functions, read when the tests are collected: key → handler file. */
const FUNCTIONS = Object.entries(
  (parse(await readFile(join(ROOT, 'serverless.yml'), 'utf8')) as { functions: Record<string, { handler: string }> })
    .functions,
).map(([name, fn]) => ({ name, file: `${fn.handler.replace(/\.\w+$/, '')}.ts` }));

/** Actions with no resource-level permissions, where `"Resource": "*"` is the only choice AWS offers. */
const UNSCOPABLE: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray defines no resource types for it',
  'xray:PutTelemetryRecords': 'X-Ray defines no resource types for it',
  'xray:GetSamplingRules': 'X-Ray defines no resource types for it',
  'xray:GetSamplingTargets': 'X-Ray defines no resource types for it',
  'ecr:GetAuthorizationToken': 'a registry-wide login token; the action takes no resource',
  'ecs:DescribeTaskDefinition': 'no resource-level permissions (Service Authorization Reference)',
  'ecs:RegisterTaskDefinition': 'no resource-level permissions (Service Authorization Reference)',
  'logs:CreateLogDelivery': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:GetLogDelivery': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:UpdateLogDelivery': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:DeleteLogDelivery': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:ListLogDeliveries': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:PutResourcePolicy': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:DescribeResourcePolicies': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'logs:DescribeLogGroups': 'vended log delivery for the state machine: AWS documents Resource "*"',
  'states:SendTaskSuccess': 'a callback names its Task by the task token alone; the action takes no resource',
  'states:SendTaskFailure': 'a callback names its Task by the task token alone; the action takes no resource',
};
/** What every function may do besides what its code calls: write its own log and its traces. */
const BASELINE = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const ACCOUNT = 'arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:';

let dir: string;
let template: Template;
const apps = (() => {
  const config = readConfigFile(join(ROOT, 'slipway.config.json'));
  return Object.keys(config.apps).map((name) => appConfig(config, name));
})();

function lambda(name: string) {
  const entry = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === `slipway-dev-${name}`,
  );
  if (!entry) throw new Error(`The packaged template has no function ${name}`);
  return { id: entry[0], properties: entry[1].Properties as Record<string, unknown> };
}

function roleOf(name: string): string {
  const role = lambda(name).properties.Role as { 'Fn::GetAtt'?: [string, string] };
  const id = role['Fn::GetAtt']?.[0];
  if (!id || template.Resources[id]?.Type !== 'AWS::IAM::Role') {
    throw new Error(
      `Function ${name} has no role of its own from this stack: give it \`role: <Name>Role\` in serverless.yml and its statements in serverless/permissions.ts.`,
    );
  }
  return id;
}

/** A role ECS tasks assume (a created service's execution or task role), not one of Slipway's own. */
function isTaskRole(id: string): boolean {
  return JSON.stringify(template.Resources[id]?.Properties?.AssumeRolePolicyDocument).includes(
    'ecs-tasks.amazonaws.com',
  );
}

function allStatements() {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .flatMap(([id]) => roleStatements(template, id).map((statement) => ({ role: id, statement })));
}

beforeAll(async () => {
  ({ dir, template } = await packageStack());
});

describe('packaged stack (npm run package)', () => {
  it('uses only resource types and properties AWS publishes, with every required property and existing references', () => {
    expect(new TemplateChecker().check(template)).toEqual([]);
  });

  it('gives every function a role of its own', () => {
    const roles = FUNCTIONS.map((f) => roleOf(f.name));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    expect(Object.keys(template.Resources)).not.toContain('IamRoleLambdaExecution');
  });

  it.each(FUNCTIONS)('lets $name send every SDK command its code sends', ({ name, file }) => {
    const statements = roleStatements(template, roleOf(name));
    const missing = commandsOfHandler(file).flatMap((command) =>
      iamActions(command)
        .filter((action) => granting(statements, action).length === 0)
        .map((action) => `${action} (for ${command.command}: ${command.via}); add it to serverless/permissions.ts`),
    );
    expect(missing).toEqual([]);
  });

  it.each(FUNCTIONS)('grants $name nothing its code does not call', ({ name, file }) => {
    const needed = new Set([...BASELINE, ...commandsOfHandler(file).flatMap(iamActions)]);
    expect(allowedActions(roleStatements(template, roleOf(name))).filter((action) => !needed.has(action))).toEqual([]);
  });

  it('creates no role that nothing uses', () => {
    const used = new Set([
      ...FUNCTIONS.map((f) => roleOf(f.name)),
      (template.Resources.BuildProject?.Properties?.ServiceRole as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
      (template.Resources.PipelineStateMachine?.Properties?.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
      // The created services' task definitions: their execution and task roles.
      ...Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
        .flatMap((r) =>
          [r.Properties?.ExecutionRoleArn, r.Properties?.TaskRoleArn].map(
            (role) => (role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
          ),
        ),
    ]);
    const roles = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id]) => id);
    expect(roles.filter((id) => !used.has(id))).toEqual([]);
  });

  it('never grants every action of a service', () => {
    const wild = allStatements().filter(
      ({ statement }) => (list(statement.Action) as string[]).some((a) => a.includes('*')) || statement.NotAction,
    );
    expect(wild).toEqual([]);
  });

  it('names "Resource": "*" only for actions that have no resource-level permissions', () => {
    const unscoped = allStatements()
      .filter(({ statement }) => list(statement.Resource).includes('*') || statement.NotResource)
      .flatMap(({ role, statement }) =>
        (list(statement.Action) as string[]).filter((a) => !(a in UNSCOPABLE)).map((a) => `${role}: ${a}`),
      );
    expect(unscoped).toEqual([]);
  });

  it('scopes ECR permissions to the repositories slipway.config.json names (and, for the build, their cache repositories)', () => {
    const repository = (name: string) =>
      JSON.stringify({ 'Fn::Sub': `${ACCOUNT.replace('%s', 'ecr')}repository/${name}` });
    const names = [...new Set(apps.map((a) => a.repository))];
    const expected = names.map(repository).sort();
    const withCaches = [...names, ...names.map((name) => `${name}-cache`)].map(repository).sort();
    // A created service's execution role pulls from its own repository only (test/aws/created-services.test.ts).
    const scoped = allStatements().filter(
      ({ role, statement }) =>
        !isTaskRole(role) &&
        (list(statement.Action) as string[]).some((a) => a.startsWith('ecr:') && a !== 'ecr:GetAuthorizationToken'),
    );
    expect(scoped.length).toBeGreaterThan(0);
    for (const { role, statement } of scoped) {
      expect(
        list(statement.Resource)
          .map((r) => JSON.stringify(r))
          .sort(),
        role,
      ).toEqual(role === 'BuildRole' ? withCaches : expected);
    }
  });

  it("creates each app repository's cache repository, apart from the repository its lifecycle rules tidy", () => {
    const caches = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::ECR::Repository' && String(r.Properties?.RepositoryName).endsWith('-cache'),
    );

    expect(caches.map((r) => r.Properties?.RepositoryName).sort()).toEqual(
      [...new Set(apps.map((a) => `${a.repository}-cache`))].sort(),
    );
  });

  it('scopes ECS service permissions to the services slipway.config.json names', () => {
    // A created service runs in the stage's cluster; an existing one where slipway.config.json says.
    const expected = apps
      .map((a) =>
        JSON.stringify({
          'Fn::Sub': `${ACCOUNT.replace('%s', 'ecs')}service/${a.service.created ? 'slipway-dev' : a.service.cluster}/${a.service.name}`,
        }),
      )
      .sort();
    const scoped = allStatements().filter(({ statement }) =>
      (list(statement.Action) as string[]).some((a) => a === 'ecs:DescribeServices' || a === 'ecs:UpdateService'),
    );
    expect(scoped.length).toBeGreaterThan(0);
    for (const { statement } of scoped)
      expect(
        list(statement.Resource)
          .map((r) => JSON.stringify(r))
          .sort(),
      ).toEqual(expected);
  });

  it("scopes S3, Step Functions, CodeBuild and log permissions to the stack's own resources", () => {
    const own =
      /ContextsBucket|stateMachine:slipway-dev|execution:slipway-dev:|BuildProject|BuildLogGroup|LogGroup|LambdaFunction|event-bus\/default|task-definition\/\*|"\w+(ExecutionRole|TaskRole)"/;
    const foreign = allStatements()
      .filter(({ statement }) =>
        (list(statement.Action) as string[]).some((a) => /^(s3|states|codebuild|logs|lambda|events|iam):/.test(a)),
      )
      .flatMap(({ role, statement }) =>
        list(statement.Resource)
          .filter((r) => r !== '*' && !own.test(JSON.stringify(r)))
          .map((r) => `${role}: ${JSON.stringify(r)}`),
      );
    expect(foreign).toEqual([]);
  });

  it('fills each ${<State>FunctionArn} of the ASL with the function TASK_FUNCTIONS names', async () => {
    const machine = template.Resources.PipelineStateMachine?.Properties as {
      Definition: object;
      DefinitionSubstitutions: Record<string, { 'Fn::GetAtt': [string, string] }>;
    };
    expect(machine.Definition).toEqual(JSON.parse(await readFile(DEFINITION_PATH, 'utf8')));
    const placeholders = [
      ...new Set([...JSON.stringify(machine.Definition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1])),
    ].sort();
    expect(Object.keys(machine.DefinitionSubstitutions).sort()).toEqual(placeholders);
    for (const [state, fn] of Object.entries(TASK_FUNCTIONS)) {
      expect(machine.DefinitionSubstitutions[`${state}FunctionArn`]).toEqual({ 'Fn::GetAtt': [lambda(fn).id, 'Arn'] });
    }
  });

  it("has a state machine definition asl-validator accepts once the functions' ARNs are filled in", () => {
    const machine = template.Resources.PipelineStateMachine?.Properties as {
      Definition: object;
      DefinitionSubstitutions: Record<string, { 'Fn::GetAtt': [string, string] }>;
    };
    const names = Object.fromEntries(
      Object.entries(template.Resources).map(([id, r]) => [id, r.Properties?.FunctionName]),
    );
    const text = JSON.stringify(machine.Definition).replace(/\$\{(\w+)\}/g, (_, key: string) => {
      const target = machine.DefinitionSubstitutions[key]?.['Fn::GetAtt'][0] ?? '';
      return `arn:aws:lambda:eu-west-1:123456789012:function:${String(names[target])}`;
    });
    const result = aslValidator(JSON.parse(text) as object);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('gives the functions the environment src/wiring/aws.ts requires', async () => {
    const source = await readFile(join(ROOT, 'src/wiring/aws.ts'), 'utf8');
    const required = [...source.matchAll(/required\('(\w+)'\)/g)].map((m) => m[1] as string);
    expect(required.length).toBeGreaterThan(0);
    for (const { name } of FUNCTIONS) {
      const variables = (lambda(name).properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(required));
      expect(variables.SLIPWAY_STATE_MACHINE_ARN).toEqual({
        'Fn::Sub': `${ACCOUNT.replace('%s', 'states')}stateMachine:slipway-dev`,
      });
    }
    expect(template.Resources.PipelineStateMachine?.Properties?.StateMachineName).toBe('slipway-dev');
  });

  it('packages each handler as a minified ES module with its source map and slipway.config.json beside it', async () => {
    for (const { name, file } of FUNCTIONS) {
      const entries = unzip(await readFile(join(dir, `${name}.zip`)));
      const module = file.replace(/\.ts$/, '.mjs');
      expect([...entries.keys()].sort()).toEqual([module, `${module}.map`, 'slipway.config.json'].sort());
      expect(entries.get(module)?.toString()).toContain(`//# sourceMappingURL=`);
      expect(entries.get('slipway.config.json')?.toString()).toBe(
        await readFile(join(ROOT, 'slipway.config.json'), 'utf8'),
      );
    }
  });

  // Each function bundles only the adapters it uses (its functions/ file picks them from src/wiring/aws.ts)
  // and imports the AWS SDK from the layer (serverless/aws-sdk-layer.ts). Issue 11: at most 300 KiB each.
  it.each(FUNCTIONS.map((f) => f.name))('keeps the %s bundle within 300 KiB', async (name) => {
    expect(bundleBytes(unzip(await readFile(join(dir, `${name}.zip`)))) / 1024).toBeLessThanOrEqual(300);
  });

  it.each(FUNCTIONS.map((f) => f.name))('leaves the AWS SDK out of the %s bundle, for the layer', async (name) => {
    const entries = unzip(await readFile(join(dir, `${name}.zip`)));
    const map = [...entries].find(([entry]) => entry.endsWith('.mjs.map'))?.[1];
    const sources = (JSON.parse(map?.toString() ?? '{}') as { sources?: string[] }).sources ?? [];
    expect(sources.filter((source) => /node_modules\/(@aws-sdk|@smithy)\//.test(source))).toEqual([]);
  });

  it("gives every function the AWS SDK layer, built from package-lock.json's versions", async () => {
    for (const { name } of FUNCTIONS) expect(lambda(name).properties.Layers).toEqual([{ Ref: 'AwsSdkLambdaLayer' }]);
    const layer = unzip(await readFile(join(dir, 'awsSdk.zip')));
    const packages = JSON.parse(layer.get('slipway/packages.json')?.toString() ?? '{}') as Record<string, string>;
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(Object.keys(packages)).toContain('@aws-sdk/client-s3');
    for (const [pkg, version] of Object.entries(packages))
      expect(version).toBe(lock.packages[`node_modules/${pkg}`]?.version);
  });

  describe('on Node, with the layer where Lambda puts it', () => {
    const run = async (name: string, script: string) => {
      const work = join(dir, `run-${name}`);
      await unzipTo(join(dir, `${name}.zip`), work);
      await unzipTo(join(dir, 'awsSdk.zip'), join(work, 'opt'));
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        SLIPWAY_CONTEXT_BUCKET: 'slipway-dev-contextsbucket',
        SLIPWAY_BUILD_PROJECT: 'slipway-dev-build',
        SLIPWAY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-dev',
        SLIPWAY_CONFIG_PATH: 'slipway.config.json',
      };
      const args = [...layerAt(join(work, 'opt')), '--input-type=module', '-e', script];
      const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: work, env });
      return stdout.trim().split('\n').at(-1) ?? '';
    };

    // A name a function imports that the layer does not export fails the import (a SyntaxError), before any call.
    it.each(FUNCTIONS)('loads the $name module against the layer', async ({ name, file }) => {
      const module = `./${file.replace(/\.ts$/, '.mjs')}`;
      expect(await run(name, `import(${JSON.stringify(module)}).then((m) => console.log(typeof m.handler))`)).toBe(
        'function',
      );
    });

    it('runs a packaged handler: the bundle loads, builds the AWS adapters and answers', async () => {
      const event = { rawPath: '/runs/nope', pathParameters: { id: 'nope' } };
      const script = `import('./functions/get-run.mjs').then(async (m) => console.log(JSON.stringify(await m.handler(${JSON.stringify(event)}))))`;
      const response = JSON.parse(await run('getRun', script)) as { statusCode: number; body: string };
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { name: 'InvalidInputError' } });
    });
  });

  it('keeps the contexts private, encrypted, announced to EventBridge and expiring', () => {
    expect(template.Resources.ContextsBucket?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-contexts',
            Status: 'Enabled',
            Prefix: 'contexts/',
            ExpirationInDays: 30,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
          // Only a run stopped mid-wait leaves its wait record behind.
          { Id: 'expire-waits', Status: 'Enabled', Prefix: 'waits/', ExpirationInDays: 2 },
        ],
      },
    });
  });

  it('routes the API with IAM authorization, except the GitHub webhook, which verifies its own signature', () => {
    const routes = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => `${String(r.Properties?.RouteKey)} ${String(r.Properties?.AuthorizationType ?? 'NONE')}`);
    expect(routes).toEqual(
      expect.arrayContaining(['POST /uploads AWS_IAM', 'GET /runs AWS_IAM', 'GET /runs/{id} AWS_IAM']),
    );
    expect(routes.filter((r) => !r.endsWith(' AWS_IAM'))).toEqual(
      routes.includes('POST /webhooks/github NONE') ? ['POST /webhooks/github NONE'] : [],
    );
  });

  it('starts a run when a context lands under contexts/ of the bucket', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties)).toContainEqual(
      expect.objectContaining({
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [{ Ref: 'ContextsBucket' }] }, object: { key: [{ prefix: 'contexts/' }] } },
        },
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [lambda('startRun').id, 'Arn'] } })],
      }),
    );
  });

  it("wakes waiting rollouts on the deployments of the apps' services only, not every ECS deployment of the account", () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const wake = rules.find((r) => JSON.stringify(r.Properties?.Targets).includes(lambda('wakeRollouts').id))
      ?.Properties?.EventPattern as { resources?: { 'Fn::Sub': string }[] } | undefined;
    const arns = (wake?.resources ?? []).map((r) => r['Fn::Sub'].replace(/^.*:service\//, 'service/'));

    expect(wake).toMatchObject({ source: ['aws.ecs'], 'detail-type': ['ECS Deployment State Change'] });
    expect(arns).toEqual(
      expect.arrayContaining(['service/slipway-dev/hello', 'service/slipway-dev/tidy', 'service/hello']),
    );
    expect(arns.every((arn) => /^service\/([\w-]+\/)?[\w-]+$/.test(arn))).toBe(true);
  });

  it('logs and traces the state machine', () => {
    expect(template.Resources.PipelineStateMachine?.Properties).toMatchObject({
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ERROR',
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['StateMachineLogGroup', 'Arn'] } } }],
      },
    });
    expect(template.Resources.StateMachineLogGroup?.Properties?.RetentionInDays).toBe(30);
  });

  it('builds in a privileged CodeBuild project running buildspec/buildspec.yml, logging to a group with retention', async () => {
    expect(template.Resources.BuildProject?.Properties).toMatchObject({
      Source: { Type: 'NO_SOURCE', BuildSpec: await readFile(join(ROOT, 'buildspec/buildspec.yml'), 'utf8') },
      Environment: { PrivilegedMode: true },
      LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: 'BuildLogGroup' } } },
    });
    expect(template.Resources.BuildLogGroup?.Properties?.RetentionInDays).toBe(30);
  });

  it('outputs the API URL, the bucket and the state machine', () => {
    expect(template.Outputs).toMatchObject({
      ApiUrl: { Value: { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] } },
      ContextsBucketName: { Value: { Ref: 'ContextsBucket' } },
      StateMachineArn: { Value: { Ref: 'PipelineStateMachine' } },
    });
  });
});
