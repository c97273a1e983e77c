/**
 * Every failure Slipway knows about is a SlipwayError subclass with an explicit `name`:
 * Lambda reports the name as `errorType`, the state machine's Retry/Catch match on it,
 * and minifiers rename classes, so the constructor name cannot be trusted.
 * Messages are for people (what failed, for which input, what to do); typed fields are for machines.
 */
export class SlipwayError extends Error {
  override name = 'SlipwayError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class InvalidConfigError extends SlipwayError {
  override name = 'InvalidConfigError';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export class InvalidInputError extends SlipwayError {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export class UnknownAppError extends SlipwayError {
  override name = 'UnknownAppError';
  constructor(
    readonly app: string,
    readonly knownApps: readonly string[],
  ) {
    super(
      `Unknown app "${app}". Known apps: ${knownApps.length ? knownApps.map((a) => `"${a}"`).join(', ') : '(none)'}. ` +
        `Use one of them, or add "${app}" under "apps" in slipway.config.json.`,
    );
  }
}

export class RunNotFoundError extends SlipwayError {
  override name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super(`No run "${runId}". List runs with: slipway runs --app <name>`);
  }
}

export class ContextNotFoundError extends SlipwayError {
  override name = 'ContextNotFoundError';
  constructor(
    readonly app: string,
    readonly key: string,
  ) {
    super(`The build context for app "${app}" is not in the bucket (key "${key}"). Upload it again with: slipway deploy <dir> --app ${app}`);
  }
}

export class DockerfileNotFoundError extends SlipwayError {
  override name = 'DockerfileNotFoundError';
  constructor(
    readonly app: string,
    readonly dockerfile: string,
  ) {
    super(
      `No Dockerfile at the root of the context for app "${app}" (looked for "${dockerfile}"). ` +
        `Add one or set apps.${app}.dockerfile.`,
    );
  }
}

export class BuildFailedError extends SlipwayError {
  override name = 'BuildFailedError';
  constructor(
    message: string,
    readonly buildId: string,
    readonly phase?: string,
  ) {
    super(message);
  }
}

export class RolloutFailedError extends SlipwayError {
  override name = 'RolloutFailedError';
  constructor(
    message: string,
    readonly app: string,
    readonly deploymentId: string,
  ) {
    super(message);
  }
}

export class UploadRejectedError extends SlipwayError {
  override name = 'UploadRejectedError';
}

/** A build context over its app's upload limit: refused before a presigned upload is handed out (the store's policy refuses it too). */
export class ContextTooLargeError extends UploadRejectedError {
  override name = 'ContextTooLargeError';
  constructor(
    readonly app: string,
    readonly bytes: number,
    readonly maxBytes: number,
    /** The configuration key that sets the limit, e.g. `apps.hello.maxUploadBytes` or `defaults.maxUploadBytes`. */
    readonly setting = 'maxUploadBytes',
  ) {
    super(
      `The build context for app "${app}" is ${describeBytes(bytes)}; the limit is ${describeBytes(maxBytes)}, set by ${setting}. ` +
        `Leave large files out of the context with .dockerignore, or raise ${setting} in slipway.config.json.`,
    );
  }
}

/** `describeBytes(1536)` → `1.5 KiB (1536 bytes)` */
function describeBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = '';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit ? `${value.toFixed(1)} ${unit} (${bytes} bytes)` : `${bytes} bytes`;
}

/** A failure worth retrying: throttling, a service that was briefly unavailable. The state machine retries it. */
export class TransientError extends SlipwayError {
  override name = 'TransientError';
}

/** The repository holds no image with this digest: it was expired, deleted, or never pushed there. */
export class ImageNotFoundError extends SlipwayError {
  override name = 'ImageNotFoundError';
  constructor(
    readonly repository: string,
    readonly digest: string,
  ) {
    super(`Repository "${repository}" has no image ${digest}. It may have been expired by a lifecycle rule or deleted; deploy again to build and push it anew.`);
  }
}

/** The rollout completed, but the deployed image could not be tagged as the newest release (keepReleases). */
export class ReleaseTagError extends SlipwayError {
  override name = 'ReleaseTagError';
  constructor(
    message: string,
    readonly app: string,
    readonly digest: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The registry is still working out a lifecycle preview (ECR previews run asynchronously); asking again later reads the result. */
export class LifecyclePreviewPendingError extends SlipwayError {
  override name = 'LifecyclePreviewPendingError';
  constructor(
    readonly repository: string,
    waitedSeconds: number,
  ) {
    super(`The registry is still previewing the lifecycle policy of repository "${repository}" after ${waitedSeconds}s. It keeps going; ask again in a minute to read the result.`);
  }
}

/** Render or preview of an app without lifecycle rules: Slipway puts no policy on its repository, so there is none to show. */
export class NoLifecycleRulesError extends InvalidInputError {
  override name = 'NoLifecycleRulesError';
  constructor(readonly app: string) {
    super(
      `App "${app}" has no lifecycle rules, so Slipway puts no lifecycle policy on its repository and keeps every image. ` +
        `Add apps.${app}.lifecycle to slipway.config.json, e.g. [{ "selection": "untagged", "maximumAgeLimit": 7 }].`,
    );
  }
}
