import { ulid } from 'ulid';
import * as v from 'valibot';
import { appConfig } from '../domain/config.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { contextKey } from '../domain/run-id.ts';
import { describeIssues } from '../domain/validation.ts';
import type { PresignedRequest } from '../ports/object-store.ts';
import type { Dependencies } from '../pipeline/dependencies.ts';

const CreateUploadSchema = v.strictObject({
  app: v.pipe(v.string(), v.minLength(1)),
  /** Who uploads, recorded with the context and shown as the run's trigger source. */
  uploader: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /** Size the client is about to upload, so an oversized context is refused before it is sent. */
  bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export interface UploadTicket {
  runId: string;
  app: string;
  key: string;
  upload: PresignedRequest;
  maxBytes: number;
}

/**
 * `createUpload({ app: 'hello' })` → a run id and a presigned upload for `contexts/hello/<runId>.tar.gz`.
 * The run itself starts when the object lands (the S3 event), so a client that never uploads starts nothing.
 */
export async function createUpload(body: unknown, deps: Dependencies): Promise<UploadTicket> {
  const parsed = v.safeParse(CreateUploadSchema, body);
  if (!parsed.success) {
    const issues = describeIssues(parsed.issues, 'body');
    throw new InvalidInputError(`Invalid upload request: ${issues.join('; ')}. Send JSON like {"app":"hello"}.`, issues);
  }
  const app = appConfig(deps.config, parsed.output.app);
  const maxBytes = deps.config.defaults.maxUploadBytes;
  if (parsed.output.bytes !== undefined && parsed.output.bytes > maxBytes) {
    throw new InvalidInputError(`The context for app "${app.name}" is ${parsed.output.bytes} bytes; the limit is ${maxBytes}. Add large files to .dockerignore.`);
  }
  const runId = ulid(deps.clock.now().getTime());
  const key = contextKey(app.name, runId);
  const upload = await deps.objects.createUpload({
    key,
    contentType: 'application/gzip',
    expiresInSeconds: deps.settings.uploadUrlSeconds,
    metadata: { app: app.name, 'run-id': runId, ...(parsed.output.uploader && { uploader: parsed.output.uploader }) },
  });
  deps.logger.info('upload created', { runId, app: app.name, key });
  return { runId, app: app.name, key, upload, maxBytes };
}
