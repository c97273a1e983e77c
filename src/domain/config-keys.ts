import * as v from 'valibot';
import { MAX_KEEP_RELEASES } from './lifecycle/releases.ts';
import { parseSchedule } from './schedule.ts';
import { FARGATE_CPU } from './task-definition.ts';

/**
 * Every key of slipway.config.json — its type, range and default — as valibot schemas: what
 * `parseConfig` (config.ts) checks a file against, and what the JSON schema (`npm run schema`) is
 * made from. Every object is strict: an unknown key is an error naming its path, never silently ignored.
 */
const AppNameSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9-]{0,39}$/, 'an app name is 1-40 characters of a-z, 0-9 and "-", starting with a letter'),
);

/** What a created service gets when slipway.config.json does not say (AWS's fast-rollout settings for the load balancer). */
export const DEFAULT_CREATED = {
  cpu: 256,
  memory: 512,
  desiredCount: 1,
  healthCheckIntervalSeconds: 5,
  deregistrationDelaySeconds: 10,
  logRetentionDays: 30,
} as const;

const HealthCheckSchema = v.strictObject({
  /** Path the health check GETs; any 2xx or 3xx answer is healthy. */
  path: v.optional(v.pipe(v.string(), v.startsWith('/', 'must start with "/"')), '/'),
  /** How long a new version may take to become healthy before the rollout fails and the old one keeps serving. */
  timeoutSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600)), 120),
  /** Created services: seconds between the load balancer's health checks (2 healthy answers in a row put a task in service). */
  intervalSeconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(5),
      v.maxValue(300),
      v.metadata({ default: DEFAULT_CREATED.healthCheckIntervalSeconds }),
    ),
  ),
});

const ResourceNameSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(255),
  v.regex(/^[A-Za-z0-9_-]+$/, 'must be a name of letters, digits, "-" and "_" (not an ARN)'),
);
const IamRoleArnSchema = v.pipe(
  v.string(),
  v.regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'must be an IAM role ARN: arn:aws:iam::<account>:role/<name>',
  ),
);

/** A service made elsewhere: Slipway only registers revisions (the current one with the image replaced) and updates it. */
const ExistingServiceSchema = v.strictObject({
  /** ECS cluster name (or ARN). */
  cluster: v.pipe(
    v.string(),
    v.regex(
      /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/,
      'must be an ECS cluster name or ARN',
    ),
  ),
  /** ECS service name; defaults to the app name. */
  service: v.optional(ResourceNameSchema),
  /** Container in the task definition whose image is replaced; defaults to the app name. */
  container: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** The task and execution role ARNs of the service's task definitions: the deploy function may pass only these to ECS (iam:PassRole). */
  roleArns: v.optional(v.array(IamRoleArnSchema), []),
});

const EnvNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and "_", not starting with a digit'),
);
const SecretArnSchema = v.pipe(
  v.string(),
  v.regex(
    /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+(:[^:]*:[^:]*:[^:]*)?|ssm:[a-z0-9-]+:\d{12}:parameter\/[\w/.-]+)$/,
    'must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)',
  ),
);
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const ServiceSchema = v.strictObject({
  /** Deploy into a service made elsewhere instead of the one Slipway's stack creates. */
  existing: v.optional(ExistingServiceSchema),
  /** Port the container listens on. */
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 8080),
  healthCheck: v.optional(HealthCheckSchema, {}),
  // Created services only (the stack makes them; an error next to "existing"):
  /** Fargate CPU units: 256 (0.25 vCPU), 512, 1024, 2048, 4096, 8192, 16384. */
  cpu: v.optional(v.pipe(v.picklist(FARGATE_CPU), v.metadata({ default: DEFAULT_CREATED.cpu }))),
  /** MiB; one of the sizes Fargate allows for the cpu (256 → 512, 1024, 2048). */
  memory: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(512),
      v.maxValue(122880),
      v.metadata({ default: DEFAULT_CREATED.memory }),
    ),
  ),
  /** Tasks serving the app after a deploy (without autoscaling: every deploy sets it). */
  desiredCount: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(1000),
      v.metadata({ default: DEFAULT_CREATED.desiredCount }),
    ),
  ),
  /** Plain environment values (never secrets: use "secrets"). */
  environment: v.optional(v.record(EnvNameSchema, v.string())),
  /** Variable name → ARN of a Secrets Manager secret or SSM parameter; ECS injects the value, Slipway never reads it. */
  secrets: v.optional(v.record(EnvNameSchema, SecretArnSchema)),
  /** CPU architecture of the tasks; must match "platform" (linux/arm64 ↔ ARM64). Defaults from platform, else X86_64. */
  architecture: v.optional(v.picklist(['X86_64', 'ARM64'])),
  /** Target-tracking autoscaling on average CPU. */
  autoscaling: v.optional(
    v.strictObject({
      min: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
      max: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
      cpuPercent: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(90)), 60),
    }),
  ),
  /** HTTPS on 443 (80 redirects) with this ACM certificate; "name" is the host the app's URL uses (point it at the load balancer). */
  domain: v.optional(
    v.strictObject({
      name: v.optional(
        v.pipe(
          v.string(),
          v.regex(
            /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
            'must be a host name such as app.example.com',
          ),
        ),
      ),
      certificateArn: v.pipe(
        v.string(),
        v.regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN'),
      ),
    }),
  ),
  /** true: the internet reaches the load balancer; false: an internal load balancer only the VPC reaches. */
  public: v.optional(v.pipe(v.boolean(), v.metadata({ default: true }))),
  /** Managed policy ARNs for the task role (what the app's code may call in AWS); none by default. */
  taskPolicyArns: v.optional(
    v.array(
      v.pipe(
        v.string(),
        v.regex(/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/, 'must be an IAM managed policy ARN'),
      ),
    ),
  ),
  /** Seconds the load balancer lets an old task finish its requests before a rollout stops it. */
  deregistrationDelaySeconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0),
      v.maxValue(3600),
      v.metadata({ default: DEFAULT_CREATED.deregistrationDelaySeconds }),
    ),
  ),
  /** Days the app's container logs are kept. */
  logRetentionDays: v.optional(
    v.pipe(v.picklist(LOG_RETENTION_DAYS), v.metadata({ default: DEFAULT_CREATED.logRetentionDays })),
  ),
});

/** The keys that configure a service the stack creates; next to service.existing they are an error. */
export const CREATED_ONLY_KEYS = [
  'cpu',
  'memory',
  'desiredCount',
  'environment',
  'secrets',
  'architecture',
  'autoscaling',
  'domain',
  'public',
  'taskPolicyArns',
  'deregistrationDelaySeconds',
  'logRetentionDays',
] as const;

/** Where today's keys went: service.cluster/name/container describe a service made elsewhere. */
export const MOVED_KEYS: Record<string, string> = {
  cluster: 'existing.cluster',
  name: 'existing.service',
  container: 'existing.container',
};

const GithubTriggerSchema = v.strictObject({
  repository: v.pipe(v.string(), v.regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"')),
  branch: v.optional(v.pipe(v.string(), v.minLength(1)), 'main'),
});

const RebuildSchema = v.strictObject({
  /** EventBridge schedule expression for periodic rebuilds (patched base images): rate(1 day), cron(0 3 * * ? *). */
  schedule: v.pipe(
    v.string(),
    v.regex(
      /^(rate|cron)\(.+\)$/,
      'must be an EventBridge schedule expression such as "rate(1 day)" or "cron(0 3 * * ? *)"',
    ),
    v.check((expression) => {
      try {
        parseSchedule(expression);
        return true;
      } catch {
        return false;
      }
    }, 'is not a valid EventBridge schedule expression: rate(N minutes|hours|days) or cron(min hour day-of-month month day-of-week year) with one "?"'),
  ),
});

const TriggersSchema = v.strictObject({
  github: v.optional(GithubTriggerSchema),
});

/** S3 stores at most 5 GiB from one POST upload. */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024;
const UploadBytesSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_UPLOAD_BYTES));

const AppSchema = v.strictObject({
  /** ECR repository name; defaults to the app name. */
  repository: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        'must be a valid ECR repository name',
      ),
    ),
  ),
  /** Subfolder of the uploaded or fetched source that is the Docker build context (monorepos). */
  contextPath: v.optional(v.string(), '.'),
  dockerfile: v.optional(v.pipe(v.string(), v.minLength(1)), 'Dockerfile'),
  buildArgs: v.optional(v.record(v.string(), v.string()), {}),
  target: v.optional(v.pipe(v.string(), v.minLength(1))),
  platform: v.optional(v.picklist(['linux/amd64', 'linux/arm64'])),
  /** awsx-style lifecycle rules, e.g. [{ "selection": "untagged", "maximumAgeLimit": 7 }]. */
  lifecycle: v.optional(v.unknown()),
  /** The images of the last N successful deploys are never expired (tagged slipway-release-1..N, protected by a rule placed first). */
  keepReleases: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_KEEP_RELEASES))),
  service: v.optional(ServiceSchema, {}),
  triggers: v.optional(TriggersSchema, {}),
  /** Largest build context this app's presigned upload accepts; defaults.maxUploadBytes when unset. */
  maxUploadBytes: v.optional(UploadBytesSchema),
  rebuild: v.optional(RebuildSchema),
});

const DefaultsSchema = v.strictObject({
  /** Largest build context a presigned upload accepts. */
  maxUploadBytes: v.optional(UploadBytesSchema, 500 * 1024 * 1024),
});

export const ConfigSchema = v.strictObject({
  $schema: v.optional(v.string()),
  apps: v.record(AppNameSchema, AppSchema),
  defaults: v.optional(DefaultsSchema, {}),
});

export type SlipwayConfig = v.InferOutput<typeof ConfigSchema>;
export type ParsedApp = v.InferOutput<typeof AppSchema>;
