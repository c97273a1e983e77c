import { ulid } from 'ulid';
import * as v from 'valibot';
import { isBuildKey } from '../domain/build-key.ts';
import { appConfig } from '../domain/config.ts';
import { ContextTooLargeError, InvalidInputError } from '../domain/errors.ts';
import { contextKey } from '../domain/run-id.ts';
import { describeIssues } from '../domain/validation.ts';
import type { PresignedPost } from '../ports/object-store.ts';
import type { Dependencies } from './dependencies.ts';

const CreateUploadSchema = v.strictObject({
  app: v.pipe(v.string(), v.minLength(1)),
  /** Who uploads, recorded with the context and shown as the run's trigger source. */
  uploader: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /** Size the client is about to upload, so an oversized context is refused before it is sent. */
  bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /** The build key the client computed while packing: recorded with the context; Prepare computes its own and logs a difference. */
  buildKey: v.optional(v.pipe(v.string(), v.check(isBuildKey, 'must be 64 lower-case hex characters'))),
  /** Build even when the repository already holds an image for the context's build key (`slipway deploy --rebuild`). */
  rebuild: v.optional(v.boolean()),
});

export interface UploadTicket {
  runId: string;
  app: string;
  key: string;
  /** Send the context as the `file` part of a multipart/form-data POST with these fields; the store's policy refuses anything over maxBytes. */
  upload: PresignedPost;
  maxBytes: number;
}

/**
 * `createUpload({ app: 'hello', bytes: 2048 })` → a run id and a presigned POST for `contexts/hello/<runId>.tar.gz`,
 * capped at the app's maxUploadBytes (the default from defaults.maxUploadBytes).
 * The run itself starts when the object lands (the S3 event), so a client that never uploads starts nothing.
 */
export async function createUpload(
  body: unknown,
  deps: Pick<Dependencies, 'config' | 'objects' | 'clock' | 'logger' | 'settings'>,
): Promise<UploadTicket> {
  const parsed = v.safeParse(CreateUploadSchema, body);
  if (!parsed.success) {
    const issues = describeIssues(parsed.issues, 'body');
    throw new InvalidInputError(
      `Invalid upload request: ${issues.join('; ')}. Send JSON like {"app":"hello"}.`,
      issues,
    );
  }
  const app = appConfig(deps.config, parsed.output.app);
  const maxBytes = app.maxUploadBytes;
  if (parsed.output.bytes !== undefined && parsed.output.bytes > maxBytes) {
    const setting =
      deps.config.apps[app.name]?.maxUploadBytes !== undefined
        ? `apps.${app.name}.maxUploadBytes`
        : 'defaults.maxUploadBytes';
    throw new ContextTooLargeError(app.name, parsed.output.bytes, maxBytes, setting);
  }
  const runId = ulid(deps.clock.now().getTime());
  const key = contextKey(app.name, runId);
  const upload = await deps.objects.createUpload({
    key,
    contentType: 'application/gzip',
    expiresInSeconds: deps.settings.uploadUrlSeconds,
    maxBytes,
    metadata: {
      app: app.name,
      'run-id': runId,
      ...(parsed.output.uploader && { uploader: parsed.output.uploader }),
      ...(parsed.output.buildKey && { 'build-key': parsed.output.buildKey }),
      ...(parsed.output.rebuild && { rebuild: 'true' }),
    },
  });
  deps.logger.info('upload created', { runId, app: app.name, key });
  return { runId, app: app.name, key, upload, maxBytes };
}
