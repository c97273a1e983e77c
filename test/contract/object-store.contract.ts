import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore, PresignedRequest } from '../../src/ports/object-store.ts';

export interface ObjectStoreFixture {
  store: ObjectStore;
  teardown(): Promise<void>;
  /** Moves the server's clock forward; without it, the expiry test waits for real time to pass. */
  advanceTime?(seconds: number): void;
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** Sends a presigned request the way a CLI or a build would: the URL, the given headers, nothing else. */
async function send(request: PresignedRequest, body?: Uint8Array, headers: Record<string, string> = request.headers): Promise<Response> {
  return fetch(request.url, { method: request.method, headers, ...(body ? { body } : {}) });
}

function tamperSignature(url: string): string {
  const parsed = new URL(url);
  const signature = parsed.searchParams.get('X-Amz-Signature') ?? '';
  const last = signature.at(-1) === '0' ? '1' : '0';
  parsed.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + last);
  return parsed.toString();
}

/** The ObjectStore contract: every adapter (S3, the local stack's S3) must pass it. */
export function objectStoreContract(name: string, setup: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    const key = (label: string) => `contexts/contract/${randomUUID()}/${label}.tar.gz`;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('stores a presigned upload with its size and metadata', async () => {
      const target = key('upload');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300, metadata: { app: 'hello', 'run-id': '01J0000000' } });

      const response = await send(upload, bytes('context bytes'));

      expect(response.status).toBe(200);
      expect(await fixture.store.head(target)).toEqual({ key: target, size: 13, metadata: { app: 'hello', 'run-id': '01J0000000' } });
    });

    it('describes the presigned upload the client must send', async () => {
      const upload = await fixture.store.createUpload({ key: key('describe'), contentType: 'application/gzip', expiresInSeconds: 900, metadata: { app: 'hello' } });

      expect(upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/gzip', 'x-amz-meta-app': 'hello' } });
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

    it('round-trips put and get', async () => {
      const target = key('round-trip');
      const body = Uint8Array.from({ length: 256 }, (_, i) => i);

      await fixture.store.put({ key: target, body, contentType: 'application/octet-stream', metadata: { source: 'webhook' } });

      expect(await fixture.store.get(target)).toEqual(body);
      expect(await fixture.store.head(target)).toEqual({ key: target, size: 256, metadata: { source: 'webhook' } });
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

    it('accepts a multi-megabyte presigned upload', async () => {
      const target = key('large-upload');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300 });

      const response = await send(upload, new Uint8Array(8 * 1024 * 1024).fill(7));

      expect(response.status).toBe(200);
      expect((await fixture.store.head(target))?.size).toBe(8 * 1024 * 1024);
    });

    it('handles keys with spaces, plus signs and non-ASCII characters', async () => {
      const target = `contexts/contract/${randomUUID()}/hello world+ünïcödé (1).tar.gz`;
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300 });

      const uploaded = await send(upload, bytes('odd key'));
      const downloaded = await send(await fixture.store.createDownload({ key: target, expiresInSeconds: 300 }));

      expect(uploaded.status).toBe(200);
      expect(await downloaded.text()).toBe('odd key');
    });

    it('refuses a presigned upload whose signature was changed', async () => {
      const target = key('tampered-signature');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300 });

      const response = await send({ ...upload, url: tamperSignature(upload.url) }, bytes('evil'));

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned upload sent to another key', async () => {
      const target = key('signed-for');
      const other = key('other');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300 });

      const response = await send({ ...upload, url: upload.url.replace(target, other) }, bytes('evil'));

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
      expect(await fixture.store.head(other)).toBeUndefined();
    });

    it('refuses a presigned upload with another content type than the signed one', async () => {
      const target = key('content-type');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300 });

      const response = await send(upload, bytes('text'), { 'content-type': 'text/plain' });

      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
      expect(await fixture.store.head(target)).toBeUndefined();
    });

    it('refuses a presigned upload without the signed metadata headers', async () => {
      const target = key('metadata');
      const upload = await fixture.store.createUpload({ key: target, contentType: 'application/gzip', expiresInSeconds: 300, metadata: { app: 'hello' } });

      const response = await send(upload, bytes('bytes'), { 'content-type': 'application/gzip' });

      expect(response.status).toBe(403);
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
  });
}
