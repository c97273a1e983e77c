import { SlipwayError, type ErrorKind } from '../../domain/errors.ts';

/** IAM refused to let the deploy function hand a task definition's roles to ECS: the config does not name them. */
export class PassRoleDeniedError extends SlipwayError {
  override name = 'PassRoleDeniedError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    readonly app: string,
    readonly family: string,
    readonly roles: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `The deploy function may not pass the roles of task definition "${family}" to ECS (iam:PassRole denied for ${roles.length ? roles.join(', ') : 'its roles'}). ` +
        `Slipway passes only the roles its stack created and those slipway.config.json names: add them to apps.${app}.service.existing.roleArns and deploy the stack again.`,
      options,
    );
  }
}

/** PutEvents rejected some entries for a reason other than throttling (those become TransientError). */
export class EventPublishError extends SlipwayError {
  override name = 'EventPublishError';
  override readonly kind: ErrorKind = 'failed';
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

/** ECR ended a lifecycle policy preview without a result (FAILED or EXPIRED), or another preview replaced ours. */
export class LifecyclePreviewError extends SlipwayError {
  override name = 'LifecyclePreviewError';
  override readonly kind: ErrorKind = 'failed';
  constructor(
    message: string,
    readonly repository: string,
  ) {
    super(message);
  }
}

/** The repository's tags are immutable, so a release tag cannot move to the newest deploy. */
export class ImmutableTagError extends SlipwayError {
  override name = 'ImmutableTagError';
  override readonly kind: ErrorKind = 'conflict';
  constructor(
    readonly repository: string,
    readonly tag: string,
    options?: { cause?: unknown },
  ) {
    super(
      `ECR repository "${repository}" has immutable tags, so "${tag}" cannot move to the newest deploy. keepReleases moves its release tags: ` +
        `make the repository's tags mutable, or keep them immutable except "slipway-release-*" (image tag mutability IMMUTABLE_WITH_EXCLUSION).`,
      options,
    );
  }
}
