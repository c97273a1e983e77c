import { CloudWatchBuildLogs } from '../adapters/aws/cloudwatch-build-logs.ts';
import { CodeBuildBuildRunner } from '../adapters/aws/codebuild-build-runner.ts';
import { EcrImageRegistry } from '../adapters/aws/ecr-image-registry.ts';
import { EcsContainerService, parseStackServices } from '../adapters/aws/ecs-container-service.ts';
import { EventBridgeEventBus } from '../adapters/aws/eventbridge-event-bus.ts';
import { createS3Client, S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { SecretsManagerSecretStore } from '../adapters/aws/secrets-manager-secret-store.ts';
import { StepFunctionsWorkflow } from '../adapters/aws/step-functions-workflow.ts';
import { EnvSecretStore } from '../adapters/env-secret-store.ts';
import { GitHubSourceRepository } from '../adapters/github-source-repository.ts';
import { PowertoolsRunMetrics, powertoolsLogger } from '../adapters/powertools.ts';
import { readConfigFile } from '../config-file.ts';
import type { SlipwayConfig } from '../domain/config.ts';
import { InvalidConfigError } from '../domain/errors.ts';
import type { BuildLogs } from '../ports/build-logs.ts';
import type { BuildRunner } from '../ports/build-runner.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { ContainerService } from '../ports/container-service.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { ImageRegistry } from '../ports/image-registry.ts';
import type { Logger } from '../ports/logger.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { SourceRepository } from '../ports/source-repository.ts';
import type { Workflow } from '../ports/workflow.ts';
import type { Dependencies, Settings } from '../use-cases/dependencies.ts';

/**
 * The AWS wiring: one function per dependency, named after it, each building its adapter once per
 * cold start from the function's environment (set by serverless.yml) and the packaged
 * slipway.config.json. A `functions/` file calls only the ones its handler needs, so esbuild bundles
 * only those adapters and their SDK clients. A missing variable or an invalid config fails the first
 * invocation naming what to fix, before the use case runs.
 */
type Environment = Record<string, string | undefined>;

let env: Environment = process.env;
const built = new Map<keyof Dependencies, unknown>();

function once<K extends keyof Dependencies>(key: K, build: () => Dependencies[K]): Dependencies[K] {
  if (!built.has(key)) built.set(key, build());
  return built.get(key) as Dependencies[K];
}

function required(name: string): string {
  const value = env[name];
  if (!value)
    throw new InvalidConfigError(
      `The function's environment lacks ${name}. Deploy with serverless.yml, which sets it.`,
      [name],
    );
  return value;
}

/** Tests: build the adapters anew from another environment. */
export function useEnvironment(next: Environment): void {
  env = next;
  built.clear();
}

export function config(): SlipwayConfig {
  return once('config', () => readConfigFile(env.SLIPWAY_CONFIG_PATH ?? 'slipway.config.json'));
}

export function logger(): Logger {
  return once('logger', () => powertoolsLogger({ service: 'slipway', level: env.SLIPWAY_LOG_LEVEL }));
}

/** Runs, build and rollout seconds per app, as EMF lines CloudWatch reads from the function's log. */
export function metrics(): Metrics {
  return once(
    'metrics',
    () => new PowertoolsRunMetrics({ namespace: env.SLIPWAY_METRICS_NAMESPACE ?? 'Slipway', service: 'slipway' }),
  );
}

export function clock(): Clock {
  return systemClock;
}

export function settings(): Settings {
  return once('settings', () => ({
    contextBucket: required('SLIPWAY_CONTEXT_BUCKET'),
    uploadUrlSeconds: Number(env.SLIPWAY_UPLOAD_URL_SECONDS ?? 900),
    rolloutTimeoutSeconds: Number(env.SLIPWAY_ROLLOUT_TIMEOUT_SECONDS ?? 1800),
  }));
}

export function objects(): ObjectStore {
  return once(
    'objects',
    () =>
      new S3ObjectStore({
        bucket: required('SLIPWAY_CONTEXT_BUCKET'),
        client: createS3Client({ region: env.AWS_REGION }),
      }),
  );
}

export function builds(): BuildRunner {
  return once(
    'builds',
    () => new CodeBuildBuildRunner({ projectName: required('SLIPWAY_BUILD_PROJECT'), registryLogin: 'ecr' }),
  );
}

export function buildLogs(): BuildLogs {
  return once(
    'buildLogs',
    () =>
      new CloudWatchBuildLogs({
        logGroupName: env.SLIPWAY_BUILD_LOG_GROUP ?? `/aws/codebuild/${required('SLIPWAY_BUILD_PROJECT')}`,
      }),
  );
}

export function registry(): ImageRegistry {
  return once('registry', () => new EcrImageRegistry({}));
}

export function containers(): ContainerService {
  // SLIPWAY_APPS (serverless.yml): each created app's cluster, service, URL, roles and log group.
  return once(
    'containers',
    () =>
      new EcsContainerService({
        ...(env.SLIPWAY_APPS && { stack: parseStackServices(env.SLIPWAY_APPS) }),
        ...(env.AWS_REGION && { region: env.AWS_REGION }),
      }),
  );
}

export function workflow(): Workflow {
  return once('workflow', () => new StepFunctionsWorkflow({ stateMachineArn: required('SLIPWAY_STATE_MACHINE_ARN') }));
}

export function events(): EventBus {
  return once(
    'events',
    () => new EventBridgeEventBus({ ...(env.SLIPWAY_EVENT_BUS && { eventBusName: env.SLIPWAY_EVENT_BUS }) }),
  );
}

/** One Secrets Manager secret in a deployed stack; plain environment variables work too (SLIPWAY_GITHUB_*). */
export function secrets(): SecretStore {
  return once('secrets', () =>
    env.SLIPWAY_SECRET_ID
      ? new SecretsManagerSecretStore({ secretId: env.SLIPWAY_SECRET_ID })
      : new EnvSecretStore(env),
  );
}

export function source(): SourceRepository {
  return once('source', () => {
    const store = secrets();
    return new GitHubSourceRepository({
      apiUrl: env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com',
      token: () => store.get('githubToken'),
    });
  });
}
