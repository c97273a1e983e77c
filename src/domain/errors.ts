/**
 * Every failure Slipway knows about is a SlipwayError subclass with an explicit `name`:
 * Lambda reports the name as `errorType`, the state machine's Retry/Catch match on it,
 * and minifiers rename classes, so the constructor name cannot be trusted.
 * Messages are for people (what failed, for which input, what to do); typed fields are for machines.
 */
export class SlipwayError extends Error {
  override name = 'SlipwayError';
  /** What sort of failure this is; the edges map it to an HTTP status, an exit code or a run outcome. */
  readonly kind: ErrorKind = 'internal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The kinds of failure the edges tell apart. Errors carry one so that the HTTP edge, the CLI and
 * the state machine map a kind, never a class (and never import a use case to learn its errors).
 * - `invalid`: the caller's input or configuration is wrong; fix it and try again.
 * - `not-found`: the thing named (app, run, build, image, service) does not exist.
 * - `conflict`: the request is valid but the current state does not allow it.
 * - `too-large`: a body or context is over a limit.
 * - `unavailable`: a dependency did not answer or was throttled; the same call may succeed later.
 * - `failed`: the work was done and failed (a build, a rollout).
 * - `internal`: anything else: a bug, or a failure Slipway cannot explain.
 */
export type ErrorKind = 'invalid' | 'not-found' | 'conflict' | 'too-large' | 'unavailable' | 'failed' | 'internal';

/** `errorKind(new UnknownAppError(…))` → `not-found`; anything that is not a SlipwayError → `internal`. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof SlipwayError ? error.kind : 'internal';
}

export class InvalidConfigError extends SlipwayError {
  override name = 'InvalidConfigError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export class InvalidInputError extends SlipwayError {
  override name = 'InvalidInputError';
  override readonly kind: ErrorKind = 'invalid';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export class UnknownAppError extends SlipwayError {
  override name = 'UnknownAppError';
  override readonly kind: ErrorKind = 'not-found';
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
  override readonly kind: ErrorKind = 'not-found';
  constructor(readonly runId: string) {
    super(`No run "${runId}". List runs with: slipway runs --app <name>`);
  }
}

export class ContextNotFoundError extends SlipwayError {
  override name = 'ContextNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly app: string,
    readonly key: string,
  ) {
    super(
      `The build context for app "${app}" is not in the bucket (key "${key}"). Upload it again with: slipway deploy <dir> --app ${app}`,
    );
  }
}

export class DockerfileNotFoundError extends SlipwayError {
  override name = 'DockerfileNotFoundError';
  override readonly kind: ErrorKind = 'invalid';
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
  override readonly kind: ErrorKind = 'failed';
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
  override readonly kind: ErrorKind = 'failed';
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
  override readonly kind: ErrorKind = 'too-large';
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
  override readonly kind: ErrorKind = 'unavailable';
}

/** The rollout completed, but the deployed image could not be tagged as the newest release (keepReleases). */
export class ReleaseTagError extends SlipwayError {
  override name = 'ReleaseTagError';
  override readonly kind: ErrorKind = 'failed';
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
  override readonly kind: ErrorKind = 'unavailable';
  constructor(
    readonly repository: string,
    waitedSeconds: number,
  ) {
    super(
      `The registry is still previewing the lifecycle policy of repository "${repository}" after ${waitedSeconds}s. It keeps going; ask again in a minute to read the result.`,
    );
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
