import * as v from 'valibot';
import {
  ConfigSchema,
  CREATED_ONLY_KEYS,
  DEFAULT_CREATED,
  MOVED_KEYS,
  type ParsedApp,
  type SlipwayConfig,
} from './config-keys.ts';
import { InvalidConfigError, UnknownAppError } from './errors.ts';
import { fargateMemoryOptions } from './task-definition.ts';
import { describeIssues } from './validation.ts';

/**
 * slipway.config.json: one file, validated at every edge (CLI, Lambda cold start, packaging) against its
 * keys (config-keys.ts), then read as each app with every default filled in (`appConfig`).
 */
export { ConfigSchema, DEFAULT_CREATED, type SlipwayConfig } from './config-keys.ts';

export interface HealthCheck {
  path: string;
  timeoutSeconds: number;
  /** Seconds between the load balancer's checks of a created service. */
  intervalSeconds: number;
}

/** What the stack creates around a created service and what every run renders into its task definition. */
export interface CreatedService {
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  /** How many tasks serve the app once a rollout completes. */
  desiredCount: number;
  /** Plain environment values. */
  environment: Record<string, string>;
  /** Variable name → Secrets Manager secret or SSM parameter ARN. */
  secrets: Record<string, string>;
  architecture: 'X86_64' | 'ARM64';
  autoscaling?: { min: number; max: number; cpuPercent: number };
  domain?: { name?: string; certificateArn: string };
  public: boolean;
  taskPolicyArns: string[];
  deregistrationDelaySeconds: number;
  logRetentionDays: number;
}

/** Where the app runs. `created` is set when Slipway's stack creates the service (the default); `existing` otherwise. */
export interface ServiceConfig {
  /**
   * ECS cluster. For a created service this is the stack's per-stage cluster, which only the stack
   * knows (`slipway-<stage>`); the AWS adapter takes it from the function's environment (SLIPWAY_APPS).
   */
  cluster: string;
  name: string;
  container: string;
  port: number;
  healthCheck: HealthCheck;
  created?: CreatedService;
  existing?: { roleArns: string[] };
}

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
  service: ServiceConfig;
  triggers: ParsedApp['triggers'];
  /** Largest build context an upload may hold: the app's own maxUploadBytes, else defaults.maxUploadBytes. */
  maxUploadBytes: number;
  rebuild?: { schedule: string };
}

/** The placeholder cluster of a created service in AppConfig (see ServiceConfig.cluster). */
export const STACK_CLUSTER = 'slipway';

/** `parseConfig(JSON.parse(text))` → the config, or an InvalidConfigError listing every problem with its key path. */
export function parseConfig(input: unknown): SlipwayConfig {
  const result = v.safeParse(ConfigSchema, input);
  const issues = result.success ? serviceIssues(result.output) : describeIssues(result.issues).map(movedKeyIssue);
  if (result.success && issues.length === 0) return result.output;
  throw new InvalidConfigError(`slipway.config.json is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`, issues);
}

/** `apps.web.service.cluster: unknown key…` → where that key lives now. */
function movedKeyIssue(issue: string): string {
  const match = /^apps\.([^.]+)\.service\.(cluster|name|container): unknown key/.exec(issue);
  if (!match) return issue;
  const [, app, key] = match as unknown as [string, string, keyof typeof MOVED_KEYS];
  return (
    `apps.${app}.service.${key}: moved to apps.${app}.service.${MOVED_KEYS[key]}. Slipway now creates each app's service; ` +
    `to keep deploying into a service made elsewhere write "service": { "existing": { "cluster": "…", "service": "…", "container": "…" } }, ` +
    `or remove service.cluster, service.name and service.container to let the stack create the service.`
  );
}

/** The rules between keys that a schema per key cannot say. */
function serviceIssues(config: SlipwayConfig): string[] {
  const issues: string[] = [];
  for (const [name, app] of Object.entries(config.apps)) {
    const service = app.service;
    const at = `apps.${name}.service`;
    if (service.existing) {
      const mixed = [
        ...CREATED_ONLY_KEYS.filter((key) => service[key] !== undefined),
        ...(service.healthCheck.intervalSeconds !== undefined ? ['healthCheck.intervalSeconds'] : []),
      ];
      if (mixed.length > 0) {
        issues.push(
          `${at}: "existing" deploys into a service made elsewhere, which Slipway does not configure; remove ${mixed.map((k) => `"${k}"`).join(', ')} ` +
            `or remove "existing" to let the stack create the service.`,
        );
      }
      continue;
    }
    const cpu = service.cpu ?? DEFAULT_CREATED.cpu;
    const memory = service.memory ?? DEFAULT_CREATED.memory;
    const allowed = fargateMemoryOptions(cpu);
    if (!allowed.includes(memory)) {
      issues.push(
        `${at}.memory: Fargate does not run ${cpu} CPU units with ${memory} MiB; with cpu ${cpu} use ${describeSizes(allowed)}.`,
      );
    }
    const expected = app.platform === 'linux/arm64' ? 'ARM64' : app.platform === 'linux/amd64' ? 'X86_64' : undefined;
    if (service.architecture === 'ARM64' && expected === undefined) {
      issues.push(
        `${at}.architecture: ARM64 tasks need an ARM64 image; set apps.${name}.platform to "linux/arm64" too.`,
      );
    } else if (service.architecture !== undefined && expected !== undefined && service.architecture !== expected) {
      issues.push(
        `${at}.architecture: ${service.architecture} does not match platform "${app.platform}"; use ${expected} or change apps.${name}.platform.`,
      );
    }
    const scaling = service.autoscaling;
    if (scaling && scaling.min > scaling.max)
      issues.push(`${at}.autoscaling: min (${scaling.min}) is above max (${scaling.max}).`);
    if (
      scaling &&
      service.desiredCount !== undefined &&
      (service.desiredCount < scaling.min || service.desiredCount > scaling.max)
    ) {
      issues.push(
        `${at}.desiredCount: ${service.desiredCount} is outside autoscaling min..max (${scaling.min}..${scaling.max}); remove it (the first deploy starts min tasks) or move it inside.`,
      );
    }
    const both = Object.keys(service.secrets ?? {}).filter((key) => Object.hasOwn(service.environment ?? {}, key));
    if (both.length > 0)
      issues.push(`${at}: ${both.map((k) => `"${k}"`).join(', ')} is in both environment and secrets; keep it in one.`);
  }
  return issues;
}

function describeSizes(sizes: readonly number[]): string {
  if (sizes.length <= 4) return sizes.join(', ');
  return `${sizes[0]} to ${sizes.at(-1)} in steps of ${(sizes[1] ?? 0) - (sizes[0] ?? 0)}`;
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
    service: serviceConfig(app, raw),
    triggers: raw.triggers,
    maxUploadBytes: raw.maxUploadBytes ?? config.defaults.maxUploadBytes,
    ...(raw.rebuild !== undefined && { rebuild: raw.rebuild }),
  };
}

function serviceConfig(app: string, raw: ParsedApp): ServiceConfig {
  const { existing, port } = raw.service;
  const healthCheck = {
    path: raw.service.healthCheck.path,
    timeoutSeconds: raw.service.healthCheck.timeoutSeconds,
    intervalSeconds: raw.service.healthCheck.intervalSeconds ?? DEFAULT_CREATED.healthCheckIntervalSeconds,
  };
  if (existing) {
    return {
      cluster: existing.cluster,
      name: existing.service ?? app,
      container: existing.container ?? app,
      port,
      healthCheck,
      existing: { roleArns: existing.roleArns },
    };
  }
  return { cluster: STACK_CLUSTER, name: app, container: app, port, healthCheck, created: createdService(raw) };
}

function createdService(raw: ParsedApp): CreatedService {
  const s = raw.service;
  const desiredCount = s.desiredCount ?? s.autoscaling?.min ?? DEFAULT_CREATED.desiredCount;
  return {
    cpu: s.cpu ?? DEFAULT_CREATED.cpu,
    memory: s.memory ?? DEFAULT_CREATED.memory,
    desiredCount,
    environment: s.environment ?? {},
    secrets: s.secrets ?? {},
    architecture: s.architecture ?? (raw.platform === 'linux/arm64' ? 'ARM64' : 'X86_64'),
    ...(s.autoscaling && { autoscaling: s.autoscaling }),
    ...(s.domain && { domain: s.domain }),
    public: s.public ?? true,
    taskPolicyArns: s.taskPolicyArns ?? [],
    deregistrationDelaySeconds: s.deregistrationDelaySeconds ?? DEFAULT_CREATED.deregistrationDelaySeconds,
    logRetentionDays: s.logRetentionDays ?? DEFAULT_CREATED.logRetentionDays,
  };
}

/** `allApps(config)` → every app with its defaults, in the order the file lists them. */
export function allApps(config: SlipwayConfig): AppConfig[] {
  return Object.keys(config.apps).map((app) => appConfig(config, app));
}
