import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore, PresignedPost, PresignedRequest, UploadRequest } from '../../src/ports/object-store.ts';

export interface ObjectStoreFixture {
  store: ObjectStore;
  teardown(): Promise<void>;
  /** Moves the server's clock forward; without it, the expiry test waits for real time to pass. */
  advanceTime?(seconds: number): void;
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** Sends a presigned GET the way a build would: the URL, the given headers, nothing else. */
async function send(request: PresignedRequest, headers: Record<string, string> = request.headers): Promise<Response> {
  return fetch(request.url, { method: request.method, headers });
}

/** Sends a presigned POST the way a browser form (or the CLI) does: the fields in order, then the file, last. */
async function post(
  upload: PresignedPost,
  file: Uint8Array,
  fields: Record<string, string> = upload.fields,
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: 'application/gzip' }), 'context.tar.gz');
  return fetch(upload.url, { method: 'POST', body: form });
}

/** The policy decoded, changed by `change`, encoded again: the signature no longer covers it. */
function withPolicy(
  fields: Record<string, string>,
  change: (policy: { expiration: string; conditions: unknown[] }) => void,
): Record<string, string> {
  const policy = JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8'));
  change(policy);
  return { ...fields, Policy: Buffer.from(JSON.stringify(policy), 'utf8').toString('base64') };
}

function tamperSignature(signature: string): string {
  return signature.slice(0, -1) + (signature.at(-1) === '0' ? '1' : '0');
}

/** The ObjectStore contract: every adapter (S3, the local stack's S3) must pass it. */
export function objectStoreContract(name: string, setup: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    const key = (label: string) => `contexts/contract/${randomUUID()}/${label}.tar.gz`;
    const createUpload = (request: Partial<UploadRequest> & { key: string }) =>
      fixture.store.createUpload({
        contentType: 'application/gzip',
        expiresInSeconds: 300,
        maxBytes: 1024 * 1024,
        ...request,
      });

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('stores a presigned POST upload with its size and metadata', async () => {
      const target = key('upload');
      const upload = await createUpload({ key: target, metadata: { app: 'hello', 'run-id': '01J0000000' } });

      const response = await post(upload, bytes('context bytes'));

      expect(response.status).toBe(204);
      expect(await fixture.store.head(target)).toEqual({
        key: target,
        size: 13,
        metadata: { app: 'hello', 'run-id': '01J0000000' },
      });
    });

    it('describes the presigned POST the client must send', async () => {
      const target = key('describe');
      const upload = await createUpload({
        key: target,
        expiresInSeconds: 900,
        maxBytes: 2048,
        metadata: { app: 'hello' },
      });

      expect(upload).toMatchObject({
        method: 'POST',
        maxBytes: 2048,
        fields: { key: target, 'Content-Type': 'application/gzip', 'x-amz-meta-app': 'hello' },
      });
      expect(Object.keys(upload.fields)).toEqual(
        expect.arrayContaining(['Policy', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Algorithm']),
      );
      expect(Date.parse(upload.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    });

    it('serves the bytes through a presigned download', async () => {
      const target = key('download');
      await fixture.store.put({ key: target, body: bytes('hello, build'), contentType: 'application/gzip' });
      const download = await fixture.store.createDownload({ key: target, expiresInSeconds: 300 });

      const response = await send(download);

      expect(response.status).toBe(200);
      expect(await response.text()).toBe('hello, build');
    });

    it('returns undefined from head for a missing key', async () => {
      expect(await fixture.store.head(key('missing'))).toBeUndefined();
    });

    it('returns undefined from get for a missing key', async () => {
      expect(await fixture.store.get(key('missing'))).toBeUndefined();
    });

    it('creates with If-None-Match only when there is no object, and reads back its ETag', async () => {
      const target = `guards/contract/${randomUUID()}.json`;
      const body = new TextEncoder().encode('{"runId":"a"}');
      const first = await fixture.store.putIf(
        { key: target, body, contentType: 'application/json' },
        { ifNoneMatch: '*' },
      );
      const second = await fixture.store.putIf(
        { key: target, body: new TextEncoder().encode('{}'), contentType: 'application/json' },
        { ifNoneMatch: '*' },
      );
      expect(first).toEqual({ written: true, etag: expect.any(String) });
      expect(second).toEqual({ written: false });
      expect(await fixture.store.getVersion(target)).toEqual({ body, etag: first.written ? first.etag : '' });
    });

    it('replaces with If-Match only the version that was read', async () => {
      const target = `guards/contract/${randomUUID()}.json`;
      const created = await fixture.store.putIf(
        { key: target, body: new TextEncoder().encode('1'), contentType: 'application/json' },
        { ifNoneMatch: '*' },
      );
      const etag = created.written ? created.etag : '';
      const replaced = await fixture.store.putIf(
        { key: target, body: new TextEncoder().encode('2'), contentType: 'application/json' },
        { ifMatch: etag },
      );
      const stale = await fixture.store.putIf(
        { key: target, body: new TextEncoder().encode('3'), contentType: 'application/json' },
        { ifMatch: etag },
      );
      expect(replaced.written).toBe(true);
      expect(stale).toEqual({ written: false });
      expect(new TextDecoder().decode((await fixture.store.getVersion(target))!.body)).toBe('2');
    });

    it('lets one of many concurrent If-None-Match writes of a key succeed', async () => {
      const target = `guards/contract/${randomUUID()}.json`;
      const writes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fixture.store.putIf(
            { key: target, body: new TextEncoder().encode(String(i)), contentType: 'application/json' },
            { ifNoneMatch: '*' },
          ),
        ),
      );
      expect(writes.filter((w) => w.written)).toHaveLength(1);
    });

    it('answers If-Match on a missing key as not written, and getVersion of it as undefined', async () => {
      const target = `guards/contract/${randomUUID()}.json`;
      expect(
        await fixture.store.putIf(
          { key: target, body: new Uint8Array(1), contentType: 'application/json' },
          { ifMatch: '"abc"' },
        ),
      ).toEqual({ written: false });
      expect(await fixture.store.getVersion(target)).toBeUndefined();
    });

    it('round-trips put and get', async () => {
      const target = key('round-trip');
      const body = Uint8Array.from({ length: 256 }, (_, i) => i);

      await fixture.store.put({
        key: target,
        body,
        contentType: 'application/octet-stream',
        metadata: { source: 'webhook' },
      });

      expect(await fixture.store.get(target)).toEqual(body);
      expect(await fixture.store.head(target)).toEqual({ key: target, size: 256, metadata: { source: 'webhook' } });
    });

    it('lists the keys under a prefix, in key order, and only those', async () => {
      const prefix = `waits/contract/${randomUUID()}/`;
      for (const name of ['b.json', 'a.json', 'c/d.json'])
        await fixture.store.put({ key: `${prefix}${name}`, body: bytes('{}'), contentType: 'application/json' });
      await fixture.store.put({
        key: `${prefix.slice(0, -1)}-other.json`,
        body: bytes('{}'),
        contentType: 'text/plain',
      });

      expect(await fixture.store.list(prefix)).toEqual([`${prefix}a.json`, `${prefix}b.json`, `${prefix}c/d.json`]);
    });

    it('lists nothing under a prefix with no objects', async () => {
      expect(await fixture.store.list(`waits/contract/${randomUUID()}/`)).toEqual([]);
    });

    it('deletes an object, and a key with no object without an error', async () => {
      const target = `waits/contract/${randomUUID()}.json`;
      await fixture.store.put({ key: target, body: bytes('{}'), contentType: 'application/json' });

      await fixture.store.delete(target);
      await fixture.store.delete(target);

      expect(await fixture.store.getVersion(target)).toBeUndefined();
      expect(await fixture.store.list(target)).toEqual([]);
    });

    it('streams an object back in order, with its size and metadata, and nothing for a missing key', async () => {
      const target = key('stream');
      const body = new Uint8Array(3 * 1024 * 1024);
      for (let i = 0; i < body.length; i += 1) body[i] = (i * 7) % 253;
      await fixture.store.put({
        key: target,
        body,
        contentType: 'application/gzip',
        metadata: { 'build-key': 'ab12' },
      });

      const streamed = (await fixture.store.stream(target))!;
      const chunks: Uint8Array[] = [];
      for await (const chunk of streamed.body) chunks.push(chunk);

      expect(streamed).toMatchObject({ key: target, size: body.length, metadata: { 'build-key': 'ab12' } });
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
      expect(await fixture.store.stream(key('missing'))).toBeUndefined();
    });

    it('round-trips a multi-megabyte object', async () => {
      const target = key('large');
      const body = new Uint8Array(6 * 1024 * 1024);
      for (let i = 0; i < body.length; i += 1) body[i] = (i * 31) % 251;

      await fixture.store.put({ key: target, body, contentType: 'application/gzip' });

      // Compared as buffers: a deep equality over millions of elements takes seconds.
      const stored = await fixture.store.get(target);
      expect(stored && Buffer.from(stored).equals(body)).toBe(true);
    });

    it('accepts a multi-megabyte presigned POST', async () => {
      const target = key('large-upload');
      const upload = await createUpload({ key: target, maxBytes: 16 * 1024 * 1024 });

      const response = await post(upload, new Uint8Array(8 * 1024 * 1024).fill(7));

      expect(response.status).toBe(204);
      expect((await fixture.store.head(target))?.size).toBe(8 * 1024 * 1024);
    });

    it('accepts a file of exactly the size limit', async () => {
      const target = key('at-limit');
      const upload = await createUpload({ key: target, maxBytes: 1024 });

      const response = await post(upload, new Uint8Array(1024));

      expect(response.status).toBe(204);
      expect((await fixture.store.head(target))?.size).toBe(1024);
    });

    it('handles keys with spaces, plus signs and non-ASCII characters', async () => {
      const target = `contexts/contract/${randomUUID()}/hello world+ünïcödé (1).tar.gz`;
      const upload = await createUpload({ key: target });

      const uploaded = await post(upload, bytes('odd key'));
      const downloaded = await send(await fixture.store.createDownload({ key: target, expiresInSeconds: 300 }));

      expect(uploaded.status).toBe(204);
      expect(await downloaded.text()).toBe('odd key');
    });

    it('refuses an upload over the size limit with EntityTooLarge and stores nothing', async () => {
      const target = key('too-large');
      const upload = await createUpload({ key: target, maxBytes: 1024 });

      const response = await post(upload, new Uint8Array(1025));

      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).toContain('<Code>EntityTooLarge</Code>');
      expect(text).toContain('<MaxSizeAllowed>1024</MaxSizeAllowed>');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a multi-megabyte upload over a small limit and stores nothing', async () => {
      const target = key('far-too-large');
      const upload = await createUpload({ key: target, maxBytes: 1024 });

      const response = await post(upload, new Uint8Array(32 * 1024 * 1024));

      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>EntityTooLarge</Code>');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses an empty file', async () => {
      const target = key('empty');
      const upload = await createUpload({ key: target });

      const response = await post(upload, new Uint8Array(0));

      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>EntityTooSmall</Code>');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST whose signature was changed', async () => {
      const target = key('tampered-signature');
      const upload = await createUpload({ key: target });

      const response = await post(upload, bytes('evil'), {
        ...upload.fields,
        'X-Amz-Signature': tamperSignature(upload.fields['X-Amz-Signature'] ?? ''),
      });

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST whose policy was changed to allow more', async () => {
      const target = key('tampered-policy');
      const upload = await createUpload({ key: target, maxBytes: 1024 });
      const fields = withPolicy(upload.fields, (policy) => {
        policy.conditions = policy.conditions.map((condition) =>
          Array.isArray(condition) && condition[0] === 'content-length-range'
            ? ['content-length-range', 1, 1024 * 1024 * 1024]
            : condition,
        );
      });

      const response = await post(upload, new Uint8Array(2048), fields);

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST sent for another key', async () => {
      const target = key('signed-for');
      const other = key('other');
      const upload = await createUpload({ key: target });

      const response = await post(upload, bytes('evil'), { ...upload.fields, key: other });

      expect(response.status).toBe(403);
      const text = await response.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('Invalid according to Policy: Policy Condition failed');
      expect(await fixture.store.head(other)).toBeUndefined();
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST with another content type than the signed one', async () => {
      const target = key('content-type');
      const upload = await createUpload({ key: target });

      const response = await post(upload, bytes('text'), { ...upload.fields, 'Content-Type': 'text/plain' });

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Invalid according to Policy: Policy Condition failed');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST without the signed metadata fields', async () => {
      const target = key('metadata');
      const upload = await createUpload({ key: target, metadata: { app: 'hello' } });
      const { 'x-amz-meta-app': _dropped, ...fields } = upload.fields;

      const response = await post(upload, bytes('bytes'), fields);

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Invalid according to Policy');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned POST with a field the policy does not cover', async () => {
      const target = key('extra-field');
      const upload = await createUpload({ key: target });

      const response = await post(upload, bytes('bytes'), { ...upload.fields, 'x-amz-meta-app': 'evil' });

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Invalid according to Policy: Extra input fields: x-amz-meta-app');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned download whose expiry was extended', async () => {
      const target = key('extended');
      await fixture.store.put({ key: target, body: bytes('x'), contentType: 'application/gzip' });
      const download = await fixture.store.createDownload({ key: target, expiresInSeconds: 60 });
      const url = new URL(download.url);
      url.searchParams.set('X-Amz-Expires', '604800');

      const response = await send({ ...download, url: url.toString() });

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
    });

    it('refuses a download without the presigned query', async () => {
      const target = key('unsigned');
      await fixture.store.put({ key: target, body: bytes('secret'), contentType: 'application/gzip' });
      const download = await fixture.store.createDownload({ key: target, expiresInSeconds: 300 });

      const response = await fetch(download.url.split('?')[0] ?? '');

      expect(response.status).toBe(403);
    });

    it('refuses an expired presigned download', async () => {
      const target = key('expired');
      await fixture.store.put({ key: target, body: bytes('old'), contentType: 'application/gzip' });
      const expiresInSeconds = fixture.advanceTime ? 60 : 1;
      const download = await fixture.store.createDownload({ key: target, expiresInSeconds });
      if (fixture.advanceTime) fixture.advanceTime(120);
      else await new Promise((resolve) => setTimeout(resolve, 2_500));

      const response = await send(download);

      expect(response.status).toBe(403);
      const text = await response.text();
      expect(text).toContain('AccessDenied');
      expect(text).toContain('Request has expired');
    });

    it('refuses an expired presigned POST and stores nothing', async () => {
      const target = key('expired-upload');
      const expiresInSeconds = fixture.advanceTime ? 60 : 1;
      const upload = await createUpload({ key: target, expiresInSeconds });
      if (fixture.advanceTime) fixture.advanceTime(120);
      else await new Promise((resolve) => setTimeout(resolve, 2_500));

      const response = await post(upload, bytes('late'));

      expect(response.status).toBe(403);
      const text = await response.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('Policy expired');
      expect(await fixture.store.head(target)).toBeUndefined();
    });
  });
}
