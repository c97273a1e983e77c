import * as v from 'valibot';
import { InvalidConfigError, UnknownAppError } from './errors.ts';
import { MAX_KEEP_RELEASES } from './lifecycle/releases.ts';
import { parseSchedule } from './schedule.ts';
import { describeIssues } from './validation.ts';

/**
 * slipway.config.json: one file, validated at every edge (CLI, Lambda cold start, packaging).
 * Every object is strict: an unknown key is an error naming its path, never silently ignored.
 */
const AppNameSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9-]{0,39}$/, 'an app name is 1-40 characters of a-z, 0-9 and "-", starting with a letter'),
);

const HealthCheckSchema = v.strictObject({
  /** Path the health check GETs; any 2xx or 3xx answer is healthy. */
  path: v.optional(v.pipe(v.string(), v.startsWith('/', 'must start with "/"')), '/'),
  /** How long a new version may take to become healthy before the rollout fails and the old one keeps serving. */
  timeoutSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600)), 120),
});

const ServiceSchema = v.strictObject({
  cluster: v.optional(v.pipe(v.string(), v.minLength(1)), 'default'),
  /** ECS service name; defaults to the app name. */
  name: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Container in the task definition whose image is replaced; defaults to the app name. */
  container: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Port the container listens on. */
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 8080),
  healthCheck: v.optional(HealthCheckSchema, {}),
});

const GithubTriggerSchema = v.strictObject({
  repository: v.pipe(v.string(), v.regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"')),
  branch: v.optional(v.pipe(v.string(), v.minLength(1)), 'main'),
});

const RebuildSchema = v.strictObject({
  /** EventBridge schedule expression for periodic rebuilds (patched base images): rate(1 day), cron(0 3 * * ? *). */
  schedule: v.pipe(
    v.string(),
    v.regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule expression such as "rate(1 day)" or "cron(0 3 * * ? *)"'),
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
  repository: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be a valid ECR repository name'))),
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
type ParsedApp = v.InferOutput<typeof AppSchema>;

/** One app with every default filled in: what the pipeline works from. */
export interface AppConfig {
  name: string;
  repository: string;
  contextPath: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  target?: string;
  platform?: 'linux/amd64' | 'linux/arm64';
  lifecycle?: unknown;
  /** How many of the latest deployed images lifecycle rules may never expire. */
  keepReleases?: number;
  service: {
    cluster: string;
    name: string;
    container: string;
    port: number;
    healthCheck: { path: string; timeoutSeconds: number };
  };
  triggers: ParsedApp['triggers'];
  /** Largest build context an upload may hold: the app's own maxUploadBytes, else defaults.maxUploadBytes. */
  maxUploadBytes: number;
  rebuild?: { schedule: string };
}

/** `parseConfig(JSON.parse(text))` → the config, or an InvalidConfigError listing every problem with its key path. */
export function parseConfig(input: unknown): SlipwayConfig {
  const result = v.safeParse(ConfigSchema, input);
  if (result.success) return result.output;
  const issues = describeIssues(result.issues);
  throw new InvalidConfigError(`slipway.config.json is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`, issues);
}

/** `appConfig(config, 'hello')` → the app with defaults applied; UnknownAppError naming the known apps otherwise. */
export function appConfig(config: SlipwayConfig, app: string): AppConfig {
  const raw = Object.hasOwn(config.apps, app) ? config.apps[app] : undefined;
  if (!raw) throw new UnknownAppError(app, Object.keys(config.apps));
  return {
    name: app,
    repository: raw.repository ?? app,
    contextPath: raw.contextPath,
    dockerfile: raw.dockerfile,
    buildArgs: raw.buildArgs,
    ...(raw.target !== undefined && { target: raw.target }),
    ...(raw.platform !== undefined && { platform: raw.platform }),
    ...(raw.lifecycle !== undefined && { lifecycle: raw.lifecycle }),
    ...(raw.keepReleases !== undefined && { keepReleases: raw.keepReleases }),
    service: {
      cluster: raw.service.cluster,
      name: raw.service.name ?? app,
      container: raw.service.container ?? app,
      port: raw.service.port,
      healthCheck: raw.service.healthCheck,
    },
    triggers: raw.triggers,
    maxUploadBytes: raw.maxUploadBytes ?? config.defaults.maxUploadBytes,
    ...(raw.rebuild !== undefined && { rebuild: raw.rebuild }),
  };
}

/** `allApps(config)` → every app with its defaults, in the order the file lists them. */
export function allApps(config: SlipwayConfig): AppConfig[] {
  return Object.keys(config.apps).map((app) => appConfig(config, app));
}
