import { SlipwayError } from '../../domain/errors.ts';

/** BatchGetBuilds does not know the build: it was never started in this project, or CodeBuild has forgotten it (builds are kept a year). */
export class BuildNotFoundError extends SlipwayError {
  override name = 'BuildNotFoundError';
  constructor(
    readonly buildId: string,
    readonly projectName: string,
  ) {
    super(
      `CodeBuild has no build "${buildId}" (project "${projectName}"). ` +
        `Check that the run's build id is right and that the pipeline uses the same CodeBuild project and region it started the build in.`,
    );
  }
}

/** Slipway moves an existing ECS service to a new image; it does not create services. */
export class ServiceNotFoundError extends SlipwayError {
  override name = 'ServiceNotFoundError';
  constructor(
    readonly app: string,
    readonly cluster: string,
    readonly service: string,
    readonly reason: string,
  ) {
    super(
      `No active ECS service "${service}" in cluster "${cluster}" for app "${app}" (${reason}). ` +
        `Create the service first (Slipway deploys to an existing service), or set apps.${app}.service.cluster and apps.${app}.service.name in slipway.config.json.`,
    );
  }
}

/** PutEvents rejected some entries for a reason other than throttling (those become TransientError). */
export class EventPublishError extends SlipwayError {
  override name = 'EventPublishError';
  constructor(
    readonly eventBusName: string,
    readonly failures: readonly { detailType: string; errorCode: string; errorMessage: string }[],
  ) {
    super(
      `EventBridge rejected ${failures.length} event(s) on bus "${eventBusName}": ` +
        failures.map((f) => `"${f.detailType}" (${f.errorCode}: ${f.errorMessage})`).join('; ') +
        `. Check the bus name and the caller's events:PutEvents permission.`,
    );
  }
}
