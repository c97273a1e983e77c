import {  SlipwayError , type ErrorKind } from '../../domain/errors.ts';

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
