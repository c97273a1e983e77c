import { CloudWatchBuildLogs } from './adapters/aws/cloudwatch-build-logs.ts';
import { CodeBuildBuildRunner } from './adapters/aws/codebuild-build-runner.ts';
import { EcrImageRegistry } from './adapters/aws/ecr-image-registry.ts';
import { EcsContainerService, parseStackServices } from './adapters/aws/ecs-container-service.ts';
import { EventBridgeEventBus } from './adapters/aws/eventbridge-event-bus.ts';
import { createS3Client, S3ObjectStore } from './adapters/aws/s3-object-store.ts';
import { StepFunctionsWorkflow } from './adapters/aws/step-functions-workflow.ts';
import { SecretsManagerSecretStore } from './adapters/aws/secrets-manager-secret-store.ts';
import { EnvSecretStore } from './adapters/env-secret-store.ts';
import { GitHubSourceRepository } from './adapters/github-source-repository.ts';
import { jsonLogger } from './adapters/json-logger.ts';
import { readConfigFile } from './config-file.ts';
import { InvalidConfigError } from './domain/errors.ts';
import type { Dependencies } from './pipeline/dependencies.ts';
import { systemClock } from './ports/clock.ts';

/**
 * The AWS set of adapters, built once per Lambda cold start. Everything comes from the function's
 * environment (set by serverless.yml) and the packaged slipway.config.json, validated here so a
 * misconfigured stack fails at cold start naming what is missing, not halfway through a run.
 */
export function createAwsDependencies(env: Record<string, string | undefined>): Dependencies {
  const missing: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const bucket = required('SLIPWAY_CONTEXT_BUCKET');
  const project = required('SLIPWAY_BUILD_PROJECT');
  const stateMachineArn = required('SLIPWAY_STATE_MACHINE_ARN');
  if (missing.length) {
    throw new InvalidConfigError(`The function's environment lacks ${missing.join(', ')}. Deploy with serverless.yml, which sets them.`, missing);
  }
  const config = readConfigFile(env.SLIPWAY_CONFIG_PATH ?? 'slipway.config.json');
  const logger = jsonLogger({ service: 'slipway', level: env.SLIPWAY_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  // One Secrets Manager secret in a deployed stack; plain environment variables work too (SLIPWAY_GITHUB_*).
  const secrets = env.SLIPWAY_SECRET_ID ? new SecretsManagerSecretStore({ secretId: env.SLIPWAY_SECRET_ID }) : new EnvSecretStore(env);
  return {
    config,
    objects: new S3ObjectStore({ bucket, client: createS3Client({ region: env.AWS_REGION }) }),
    builds: new CodeBuildBuildRunner({ projectName: project, registryLogin: 'ecr' }),
    buildLogs: new CloudWatchBuildLogs({ logGroupName: env.SLIPWAY_BUILD_LOG_GROUP ?? `/aws/codebuild/${project}` }),
    registry: new EcrImageRegistry({}),
    // SLIPWAY_APPS: the services the stack created (cluster, service, URL, roles, log group), set by serverless.yml.
    containers: new EcsContainerService({
      ...(env.SLIPWAY_APPS && { stack: parseStackServices(env.SLIPWAY_APPS) }),
      ...(env.AWS_REGION && { region: env.AWS_REGION }),
    }),
    workflow: new StepFunctionsWorkflow({ stateMachineArn }),
    events: new EventBridgeEventBus({ ...(env.SLIPWAY_EVENT_BUS && { eventBusName: env.SLIPWAY_EVENT_BUS }) }),
    secrets,
    source: new GitHubSourceRepository({ apiUrl: env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com', token: () => secrets.get('githubToken') }),
    clock: systemClock,
    logger,
    settings: {
      contextBucket: bucket,
      uploadUrlSeconds: Number(env.SLIPWAY_UPLOAD_URL_SECONDS ?? 900),
      contextDownloadSeconds: Number(env.SLIPWAY_CONTEXT_DOWNLOAD_SECONDS ?? 3600),
      rolloutTimeoutSeconds: Number(env.SLIPWAY_ROLLOUT_TIMEOUT_SECONDS ?? 1800),
    },
  };
}
