import { describe, expect, it } from 'vitest';
import { createUpload } from '../../../src/api/create-upload.ts';
import { InvalidInputError, UnknownAppError } from '../../../src/domain/errors.ts';
import { isRunId, parseContextKey } from '../../../src/domain/run-id.ts';
import { fakeDependencies } from '../../support/fakes.ts';

describe('create-upload', () => {
  it('returns a run id and a presigned upload under the app context prefix', async () => {
    const ticket = await createUpload({ app: 'hello', uploader: 'dev@laptop' }, fakeDependencies());
    expect(isRunId(ticket.runId)).toBe(true);
    expect(parseContextKey(ticket.key)).toEqual({ app: 'hello', runId: ticket.runId });
    expect(ticket.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/gzip' } });
  });

  it('mints run ids from the clock, so runs sort by time', async () => {
    const deps = fakeDependencies();
    const first = await createUpload({ app: 'hello' }, { ...deps, clock: { now: () => new Date('2026-01-01T00:00:00Z') } });
    const second = await createUpload({ app: 'hello' }, { ...deps, clock: { now: () => new Date('2026-01-01T00:00:01Z') } });
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

  it('refuses a context over the size limit before handing out a URL', async () => {
    await expect(createUpload({ app: 'hello', bytes: 600 * 1024 * 1024 }, fakeDependencies())).rejects.toThrow('the limit is 524288000');
  });
});
