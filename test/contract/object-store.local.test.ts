process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { multipartBody } from '../../src/cli/upload.ts';
import { startLocalS3, type LocalS3, type ObjectCreatedEvent } from '../../src/stand-ins/s3/index.ts';
import { objectStoreContract, type ObjectStoreFixture } from './object-store.contract.ts';

const credentials = { accessKeyId: 'SLIPWAYLOCAL', secretAccessKey: 'local-secret-key' };
const region = 'us-east-1';
const bucket = 'slipway-contexts';

const logged: { message: string; fields?: Record<string, unknown> }[] = [];
const logger = { error: (message: string, fields?: Record<string, unknown>) => logged.push({ message, fields }) };

async function startLocalStore(): Promise<ObjectStoreFixture & { s3: LocalS3; endpoint: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-s3-'));
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const s3 = await startLocalS3({ dataDir, host: '127.0.0.1', port: 0, bucket, credentials, region, now, logger });
  const client = createS3Client({ endpoint: s3.endpoint, region, credentials, forcePathStyle: true });
  return {
    s3,
    endpoint: s3.endpoint,
    store: new S3ObjectStore({ bucket, client }),
    advanceTime: (seconds) => {
      offsetMs += seconds * 1000;
    },
    teardown: async () => {
      client.destroy();
      await s3.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

objectStoreContract('S3ObjectStore on the local S3', startLocalStore);

/** A browser-style form POST: the fields in order, then the file. */
async function post(url: string, fields: Record<string, string>, file: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file]), 'context.tar.gz');
  return fetch(url, { method: 'POST', body: form });
}

/** POSTs a form announcing a `size`-byte file and sends zeros until the server answers; how much went out by then. */
async function postEndlessly(
  url: string,
  fields: Record<string, string>,
  size: number,
): Promise<{ status: number; sentBeforeAnswer: number }> {
  const form = multipartBody(fields, size);
  const chunk = Buffer.alloc(1024 * 1024);
  return await new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': form.contentType, 'content-length': String(form.contentLength) } },
      (res) => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, sentBeforeAnswer: sent });
        res.resume();
        req.destroy();
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const writeMore = () => {
      while (!answered && sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
    };
    req.write(form.head);
    writeMore();
  });
}

describe('startLocalS3', () => {
  let local: Awaited<ReturnType<typeof startLocalStore>>;
  const events: ObjectCreatedEvent[] = [];

  beforeAll(async () => {
    local = await startLocalStore();
    local.s3.onObjectCreated((event) => {
      events.push(event);
    });
  });
  afterAll(async () => {
    await local?.teardown();
  });
  beforeEach(() => {
    events.length = 0;
    logged.length = 0;
  });

  it('reports a presigned POST once as an object created', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000001.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });

    await post(upload.url, upload.fields, 'twelve bytes');

    expect(events).toEqual([
      {
        bucket,
        key: 'contexts/hello/01J0000001.tar.gz',
        size: 12,
        etag: createHash('md5').update('twelve bytes').digest('hex'),
        time: expect.any(String),
      },
    ]);
  });

  it('reports an object put through the SDK', async () => {
    await local.store.put({
      key: 'sources/with space+plus.tar.gz',
      body: new Uint8Array(3),
      contentType: 'application/gzip',
    });

    expect(events.map((event) => event.key)).toEqual(['sources/with space+plus.tar.gz']);
  });

  it('reports nothing for an upload to another key', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000002.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });

    const response = await post(upload.url, { ...upload.fields, key: 'contexts/evil/01J0000002.tar.gz' }, 'x');

    expect(response.status).toBe(403);
    expect(events).toEqual([]);
  });

  it('reports nothing for an over-size upload', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000004.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 4,
    });

    const response = await post(upload.url, upload.fields, 'five!');

    expect(response.status).toBe(400);
    expect(events).toEqual([]);
  });

  it('stops reading an over-size upload once it passes the limit', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000005.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });

    // Announces a 1 GiB file and keeps sending until the front answers.
    const { status, sentBeforeAnswer } = await postEndlessly(upload.url, upload.fields, 1024 ** 3);

    expect(status).toBe(400);
    expect(sentBeforeAnswer).toBeLessThan(64 * 1024 * 1024);
    expect(events).toEqual([]);
  });

  it('answers a refused form while the client is still sending the rest of it', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000008.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });
    const form = multipartBody({ ...upload.fields, 'X-Amz-Signature': '0'.repeat(64) }, 3);
    // The fields and the file's headers first; the file itself only after the front has had time to refuse.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(form.head);
        await new Promise((resolve) => setTimeout(resolve, 200));
        controller.enqueue(Buffer.from('abc'));
        controller.enqueue(form.tail);
        controller.close();
      },
    });

    const response = await fetch(upload.url, {
      method: 'POST',
      headers: { 'content-type': form.contentType, 'content-length': String(form.contentLength) },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('SignatureDoesNotMatch');
  });

  it('answers 201 with a PostResponse when the policy asks for success_action_status 201', async () => {
    const client = createS3Client({ endpoint: local.endpoint, region, credentials, forcePathStyle: true });
    const key = 'contexts/hello/01J0000006.tar.gz';
    const { url, fields } = await createPresignedPost(client, {
      Bucket: bucket,
      Key: key,
      Fields: { success_action_status: '201' },
      Expires: 60,
    });

    const response = await post(url, fields, 'x');

    expect(response.status).toBe(201);
    expect(await response.text()).toMatch(
      new RegExp(
        `<PostResponse><Location>${local.endpoint}/${bucket}/contexts/hello/01J0000006.tar.gz</Location><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>"[0-9a-f]{32}"</ETag></PostResponse>`,
      ),
    );
    expect(events.map((event) => event.key)).toEqual([key]);
    client.destroy();
  });

  it('refuses an anonymous form POST to the bucket', async () => {
    const response = await post(`${local.endpoint}/${bucket}`, { key: 'contexts/anonymous.tar.gz' }, 'x');

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(events).toEqual([]);
  });

  it('refuses a form without a file', async () => {
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000007.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);

    const response = await fetch(upload.url, { method: 'POST', body: form });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('POST requires exactly one file upload per request.');
  });

  it('reports nothing for reads', async () => {
    await local.store.head('contexts/hello/01J0000001.tar.gz');
    await local.store.get('contexts/hello/01J0000001.tar.gz');

    expect(events).toEqual([]);
  });

  it('refuses an unsigned upload', async () => {
    const response = await fetch(`${local.endpoint}/${bucket}/contexts/anonymous.tar.gz`, { method: 'PUT', body: 'x' });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(events).toEqual([]);
  });

  it('refuses SDK calls signed with the wrong secret', async () => {
    const client = createS3Client({
      endpoint: local.endpoint,
      region,
      credentials: { ...credentials, secretAccessKey: 'wrong' },
      forcePathStyle: true,
    });
    const store = new S3ObjectStore({ bucket, client });

    await expect(
      store.put({ key: 'contexts/wrong-secret.tar.gz', body: new Uint8Array(1), contentType: 'application/gzip' }),
    ).rejects.toThrow(/SignatureDoesNotMatch|signature/i);
    expect(events).toEqual([]);
    client.destroy();
  });

  it('refuses SDK calls with an unknown access key', async () => {
    const client = createS3Client({
      endpoint: local.endpoint,
      region,
      credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: 'x' },
      forcePathStyle: true,
    });

    await expect(new S3ObjectStore({ bucket, client }).get('contexts/hello/01J0000001.tar.gz')).rejects.toThrow(
      /Access Key Id/,
    );
    client.destroy();
  });

  it('refuses SDK calls signed for another region', async () => {
    const client = createS3Client({ endpoint: local.endpoint, region: 'eu-west-1', credentials, forcePathStyle: true });

    await expect(new S3ObjectStore({ bucket, client }).get('contexts/hello/01J0000001.tar.gz')).rejects.toThrow(
      /region 'eu-west-1' is wrong/,
    );
    client.destroy();
  });

  it('keeps answering uploads when a listener throws or rejects', async () => {
    const stopThrowing = local.s3.onObjectCreated(() => {
      throw new Error('listener bug');
    });
    const stopRejecting = local.s3.onObjectCreated(() => Promise.reject(new Error('async listener bug')));
    const upload = await local.store.createUpload({
      key: 'contexts/hello/01J0000003.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
    });

    const response = await post(upload.url, upload.fields, 'x');
    stopThrowing();
    stopRejecting();

    expect(response.status).toBe(204);
    expect(events.map((event) => event.key)).toEqual(['contexts/hello/01J0000003.tar.gz']);
    expect(logged.map((entry) => entry.message)).toEqual([
      'object-created listener failed',
      'object-created listener failed',
    ]);
  });

  it('refuses SDK calls dated more than 15 minutes away from its clock', async () => {
    const skewed = await startLocalStore();
    skewed.advanceTime?.(20 * 60);
    // One attempt: on a retry the SDK would correct its clock from the ServerTime in the refusal, as with S3.
    const client = new S3Client({
      endpoint: skewed.endpoint,
      region,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });

    await expect(new S3ObjectStore({ bucket, client }).get('contexts/any.tar.gz')).rejects.toThrow(/time is too large/);
    client.destroy();
    await skewed.teardown();
  });

  it('refuses a start that does not bind loopback', async () => {
    const options = { dataDir: tmpdir(), host: '0.0.0.0' as '127.0.0.1', bucket, credentials, region };

    await expect(startLocalS3(options)).rejects.toThrow(/host must be "127.0.0.1"/);
  });

  it('binds the loopback address only', () => {
    expect(new URL(local.endpoint).hostname).toBe('127.0.0.1');
  });
});

describe('local S3 front: signed payload hash', () => {
  let fixture: Awaited<ReturnType<typeof startLocalStore>>;
  beforeAll(async () => {
    fixture = await startLocalStore();
  });
  afterAll(async () => fixture.teardown());

  /** A PutObject signed for `signedBody`, sent with `sentBody`: what a replay with other bytes looks like. */
  async function signedPut(key: string, signedBody: string, sentBody: string): Promise<Response> {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Hash } = await import('@smithy/hash-node');
    const url = new URL(`${fixture.endpoint}/${bucket}/${key}`);
    const signer = new SignatureV4({
      credentials,
      region,
      service: 's3',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
    });
    const hash = createHash('sha256').update(signedBody).digest('hex');
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'x-amz-content-sha256': hash, 'content-length': String(Buffer.byteLength(sentBody)) },
    });
    const { host: _host, ...headers } = signed.headers;
    return fetch(url, { method: 'PUT', headers, body: sentBody });
  }

  it('stores a body that matches its signed SHA-256', async () => {
    expect((await signedPut('contexts/hash/ok.tar.gz', 'good bytes', 'good bytes')).status).toBe(200);
    expect(Buffer.from((await fixture.store.get('contexts/hash/ok.tar.gz'))!).toString()).toBe('good bytes');
  });

  it('refuses other bytes under the same signature, as S3 does, and stores nothing', async () => {
    const response = await signedPut('contexts/hash/evil.tar.gz', 'good bytes', 'evil bytes');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('XAmzContentSHA256Mismatch');
    expect(await fixture.store.head('contexts/hash/evil.tar.gz')).toBeUndefined();
  });
});
