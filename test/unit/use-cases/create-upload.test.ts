import { describe, expect, it } from 'vitest';
import { createUpload } from '../../../src/use-cases/create-upload.ts';
import { parseConfig } from '../../../src/domain/config.ts';
import { ContextTooLargeError, InvalidInputError, UnknownAppError } from '../../../src/domain/errors.ts';
import { isRunId, parseContextKey } from '../../../src/domain/run-id.ts';
import { fakeDependencies } from '../../support/fakes.ts';

/** Dependencies whose config holds these apps. */
const withApps = (apps: Record<string, unknown>) => fakeDependencies({ config: parseConfig({ apps }) });

describe('create-upload', () => {
  it('returns a run id and a presigned upload under the app context prefix', async () => {
    const ticket = await createUpload({ app: 'hello', uploader: 'dev@laptop' }, fakeDependencies());
    expect(isRunId(ticket.runId)).toBe(true);
    expect(parseContextKey(ticket.key)).toEqual({ app: 'hello', runId: ticket.runId });
    expect(ticket.upload).toMatchObject({
      method: 'POST',
      fields: { key: ticket.key, 'Content-Type': 'application/gzip' },
    });
  });

  it('caps the presigned POST at defaults.maxUploadBytes and pins its metadata', async () => {
    const deps = fakeDependencies();

    const ticket = await createUpload({ app: 'hello', uploader: 'dev@laptop' }, deps);

    expect(deps.objects.uploads).toEqual([
      {
        key: ticket.key,
        contentType: 'application/gzip',
        expiresInSeconds: deps.settings.uploadUrlSeconds,
        maxBytes: 524288000,
        metadata: { app: 'hello', 'run-id': ticket.runId, uploader: 'dev@laptop' },
      },
    ]);
    expect(ticket).toMatchObject({ maxBytes: 524288000, upload: { maxBytes: 524288000 } });
  });

  it("pins the client's build key and --rebuild into the upload's metadata", async () => {
    const deps = fakeDependencies();
    const buildKey = 'c0'.repeat(32);

    const ticket = await createUpload({ app: 'hello', buildKey, rebuild: true }, deps);

    expect(deps.objects.uploads[0]?.metadata).toEqual({
      app: 'hello',
      'run-id': ticket.runId,
      'build-key': buildKey,
      rebuild: 'true',
    });
  });

  it('refuses a build key that is not a sha256', async () => {
    await expect(createUpload({ app: 'hello', buildKey: 'key-123' }, fakeDependencies())).rejects.toThrow(
      /buildKey: must be 64 lower-case hex characters/,
    );
  });

  it("caps the presigned POST at the app's own maxUploadBytes", async () => {
    const deps = withApps({ hello: {}, small: { maxUploadBytes: 2048 } });

    const ticket = await createUpload({ app: 'small', bytes: 2048 }, deps);

    expect(ticket.upload.maxBytes).toBe(2048);
    expect(deps.objects.uploads[0]?.maxBytes).toBe(2048);
  });

  it('mints run ids from the clock, so runs sort by time', async () => {
    const deps = fakeDependencies();
    const first = await createUpload(
      { app: 'hello' },
      { ...deps, clock: { now: () => new Date('2026-01-01T00:00:00Z') } },
    );
    const second = await createUpload(
      { app: 'hello' },
      { ...deps, clock: { now: () => new Date('2026-01-01T00:00:01Z') } },
    );
    expect(first.runId < second.runId).toBe(true);
  });

  it.each([
    [{}, 'app: required'],
    [{ app: 'hello', color: 'red' }, 'color'],
    [{ app: 'hello', bytes: -1 }, 'bytes'],
    ['not an object', 'body: Invalid type'],
  ])('refuses the body %j', async (body, expected) => {
    await expect(createUpload(body, fakeDependencies())).rejects.toThrow(InvalidInputError);
    await expect(createUpload(body, fakeDependencies())).rejects.toThrow(expected);
  });

  it('names the known apps for an unknown app', async () => {
    await expect(createUpload({ app: 'nope' }, fakeDependencies())).rejects.toThrow(UnknownAppError);
  });

  it('refuses a context over the default limit before handing out a URL, saying the size, the limit and what to do', async () => {
    const deps = fakeDependencies();

    const refused = createUpload({ app: 'hello', bytes: 600 * 1024 * 1024 }, deps);

    await expect(refused).rejects.toBeInstanceOf(ContextTooLargeError);
    await expect(refused).rejects.toThrow(
      'The build context for app "hello" is 600.0 MiB (629145600 bytes); the limit is 500.0 MiB (524288000 bytes), set by defaults.maxUploadBytes. Leave large files out of the context with .dockerignore',
    );
    expect(deps.objects.uploads).toEqual([]);
  });

  it("refuses a context over the app's own limit, naming the app's setting", async () => {
    const refused = createUpload({ app: 'small', bytes: 2049 }, withApps({ small: { maxUploadBytes: 2048 } }));

    await expect(refused).rejects.toMatchObject({
      name: 'ContextTooLargeError',
      app: 'small',
      bytes: 2049,
      maxBytes: 2048,
    });
    await expect(refused).rejects.toThrow('set by apps.small.maxUploadBytes');
  });
});
