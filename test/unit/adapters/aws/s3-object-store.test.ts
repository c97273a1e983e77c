process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createHmac } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../../../src/adapters/aws/s3-object-store.ts';
import { InvalidInputError, SlipwayError, TransientError } from '../../../../src/domain/errors.ts';

const s3Mock = mockClient(S3Client);
const bucket = 'slipway-contexts-123456789012';
const signingDate = new Date('2025-01-15T10:00:00.250Z');

function newStore(): S3ObjectStore {
  const client = createS3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  });
  return new S3ObjectStore({ bucket, client, clock: { now: () => signingDate } });
}

function policyOf(fields: Record<string, string>): {
  expiration: string;
  conditions: (Record<string, string> | (string | number)[])[];
} {
  return JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8'));
}

function body(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  return { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'];
}

/** A response body as the SDK hands it over in Node: its chunks, then (optionally) a broken connection. */
function stream(chunks: Uint8Array[], error?: Error): GetObjectCommandOutput['Body'] {
  return (async function* () {
    yield* chunks;
    if (error) throw error;
  })() as unknown as GetObjectCommandOutput['Body'];
}

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('S3ObjectStore', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it('heads the object in its bucket and maps size and metadata', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1234, Metadata: { app: 'hello' } });

    const object = await newStore().head('contexts/hello/01J.tar.gz');

    expect(object).toEqual({ key: 'contexts/hello/01J.tar.gz', size: 1234, metadata: { app: 'hello' } });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'contexts/hello/01J.tar.gz',
    });
  });

  it('returns undefined from head when the object is not there', async () => {
    s3Mock.on(HeadObjectCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'NotFound' }));

    expect(await newStore().head('contexts/missing.tar.gz')).toBeUndefined();
  });

  it('puts the body with its content type and lower-cased metadata', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const bytes = new TextEncoder().encode('source');

    await newStore().put({
      key: 'sources/hello/abc.tar.gz',
      body: bytes,
      contentType: 'application/gzip',
      metadata: { Commit: 'abc123' },
    });

    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'sources/hello/abc.tar.gz',
      Body: bytes,
      ContentType: 'application/gzip',
      Metadata: { commit: 'abc123' },
    });
  });

  it('gets the object bytes', async () => {
    const bytes = Uint8Array.of(1, 2, 3);
    s3Mock.on(GetObjectCommand).resolves({ Body: body(bytes) });

    expect(await newStore().get('contexts/hello/01J.tar.gz')).toEqual(bytes);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'contexts/hello/01J.tar.gz',
    });
  });

  it('returns undefined from get when there is no such key', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }));

    expect(await newStore().get('contexts/missing.tar.gz')).toBeUndefined();
  });

  it('streams the object in the chunks S3 sends, with the size and metadata of the same response', async () => {
    const chunks = [Uint8Array.of(1, 2), Uint8Array.of(3)];
    s3Mock.on(GetObjectCommand).resolves({ Body: stream(chunks), ContentLength: 3, Metadata: { 'build-key': 'ab12' } });

    const streamed = (await newStore().stream('contexts/hello/01J.tar.gz'))!;
    const read: Uint8Array[] = [];
    for await (const chunk of streamed.body) read.push(chunk);

    expect(read).toEqual(chunks);
    expect(streamed).toMatchObject({ key: 'contexts/hello/01J.tar.gz', size: 3, metadata: { 'build-key': 'ab12' } });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: bucket,
      Key: 'contexts/hello/01J.tar.gz',
    });
  });

  it('returns undefined from stream when there is no such key', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }));

    expect(await newStore().stream('contexts/missing.tar.gz')).toBeUndefined();
  });

  it('reports a stream that breaks off as a TransientError naming the object', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: stream([Uint8Array.of(1)], new Error('socket hang up')) });

    const chunks = (await newStore().stream('contexts/hello/01J.tar.gz'))!.body;
    const failure = (async () => {
      for await (const _chunk of chunks);
    })();

    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(
      /s3:\/\/.*contexts\/hello\/01J\.tar\.gz broke off while reading \(socket hang up\)/,
    );
  });

  it('reports throttling as a TransientError naming the object', async () => {
    s3Mock.on(GetObjectCommand).rejects(serviceError('SlowDown', 503));

    const failure = newStore().get('contexts/hello/01J.tar.gz');

    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(`s3://${bucket}/contexts/hello/01J.tar.gz`);
  });

  it('reports access denied as a SlipwayError that keeps the cause', async () => {
    const denied = serviceError('AccessDenied', 403);
    s3Mock.on(PutObjectCommand).rejects(denied);

    const error = await newStore()
      .put({ key: 'k', body: new Uint8Array(), contentType: 'application/gzip' })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).not.toBeInstanceOf(TransientError);
    expect((error as SlipwayError).cause).toBe(denied);
  });

  it('presigns a POST to the bucket with the key, content type and metadata as fields', async () => {
    const upload = await newStore().createUpload({
      key: 'contexts/hello/01J.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
      metadata: { App: 'hello' },
    });

    expect(upload).toMatchObject({
      method: 'POST',
      url: `https://${bucket}.s3.eu-west-1.amazonaws.com/`,
      maxBytes: 1024,
    });
    expect(upload.fields).toMatchObject({
      key: 'contexts/hello/01J.tar.gz',
      'Content-Type': 'application/gzip',
      'x-amz-meta-app': 'hello',
      bucket,
    });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('signs a policy that caps the size and pins the key, content type and metadata', async () => {
    const upload = await newStore().createUpload({
      key: 'contexts/hello/01J.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
      metadata: { app: 'hello' },
    });

    expect(policyOf(upload.fields).conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 1024],
        { key: 'contexts/hello/01J.tar.gz' },
        { 'Content-Type': 'application/gzip' },
        { 'x-amz-meta-app': 'hello' },
        { bucket },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': 'AKIAEXAMPLE/20250115/eu-west-1/s3/aws4_request' },
        { 'X-Amz-Date': '20250115T100000Z' },
      ]),
    );
  });

  it('covers every form field with a condition, so none can be changed', async () => {
    const upload = await newStore().createUpload({
      key: 'k',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
      metadata: { app: 'hello', 'run-id': '01J' },
    });

    const conditioned = policyOf(upload.fields).conditions.flatMap((condition) =>
      Array.isArray(condition) ? [] : Object.keys(condition),
    );
    const signedOver = Object.keys(upload.fields).filter((name) => name !== 'Policy' && name !== 'X-Amz-Signature');
    expect(conditioned.sort()).toEqual(signedOver.sort());
  });

  it('presigns an upload without checksum fields or conditions', async () => {
    const upload = await newStore().createUpload({
      key: 'contexts/hello/01J.tar.gz',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
    });

    const names = [...Object.keys(upload.fields), ...JSON.stringify(policyOf(upload.fields)).match(/"[^"]+"/g)!].map(
      (name) => name.toLowerCase(),
    );
    expect(names.filter((name) => name.includes('x-amz-checksum') || name.includes('x-amz-sdk-checksum'))).toEqual([]);
  });

  it('signs the base64 policy with the SigV4 signing key of the credential scope', async () => {
    const upload = await newStore().createUpload({
      key: 'k',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
    });

    let key = Buffer.from('AWS4secret');
    for (const part of ['20250115', 'eu-west-1', 's3', 'aws4_request'])
      key = createHmac('sha256', key).update(part).digest();
    expect(upload.fields['X-Amz-Signature']).toBe(
      createHmac('sha256', key).update(upload.fields.Policy!).digest('hex'),
    );
  });

  it('dates the presigned upload with the clock and its expiry', async () => {
    const upload = await newStore().createUpload({
      key: 'k',
      contentType: 'application/gzip',
      expiresInSeconds: 900,
      maxBytes: 1024,
    });

    expect(upload.fields['X-Amz-Date']).toBe('20250115T100000Z');
    expect(policyOf(upload.fields).expiration).toBe('2025-01-15T10:15:00Z');
    expect(upload.expiresAt).toBe('2025-01-15T10:15:00.000Z');
  });

  it.each([0, 1.5, 6 * 1024 ** 3])(
    'refuses an upload capped at %d bytes (S3 POST uploads hold 1 byte to 5 GiB)',
    async (maxBytes) => {
      const upload = newStore().createUpload({
        key: 'k',
        contentType: 'application/gzip',
        expiresInSeconds: 60,
        maxBytes,
      });

      await expect(upload).rejects.toBeInstanceOf(InvalidInputError);
      await expect(upload).rejects.toThrow(/from 1 byte to 5368709120 bytes/);
    },
  );

  it('refuses metadata that cannot travel as an HTTP header', async () => {
    const upload = newStore().createUpload({
      key: 'k',
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: 1024,
      metadata: { author: 'Zoë' },
    });

    await expect(upload).rejects.toBeInstanceOf(InvalidInputError);
    await expect(upload).rejects.toThrow('metadata "author" must be printable ASCII');
  });

  it('refuses a presigned URL meant to outlive the SigV4 limit of 7 days', async () => {
    const download = newStore().createDownload({ key: 'k', expiresInSeconds: 8 * 24 * 3600 });

    await expect(download).rejects.toThrow(/from 1 to 604800 seconds/);
  });

  it('presigns a GET download with no headers to send', async () => {
    const download = await newStore().createDownload({ key: 'contexts/hello/01J.tar.gz', expiresInSeconds: 3600 });

    expect(download).toMatchObject({ method: 'GET', headers: {}, expiresAt: '2025-01-15T11:00:00.000Z' });
    expect(new URL(download.url).searchParams.get('x-id')).toBe('GetObject');
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('createS3Client', () => {
  it('computes and validates checksums only when an operation requires them', async () => {
    const client = createS3Client({ region: 'us-east-1' });

    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('uses the given endpoint with path-style addressing', async () => {
    const client = createS3Client({
      endpoint: 'http://127.0.0.1:4569',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const store = new S3ObjectStore({ bucket: 'local-bucket', client });

    const download = await store.createDownload({ key: 'contexts/x.tar.gz', expiresInSeconds: 60 });

    expect(download.url.startsWith('http://127.0.0.1:4569/local-bucket/contexts/x.tar.gz?')).toBe(true);
  });

  describe('conditional writes', () => {
    beforeEach(() => {
      s3Mock.reset();
    });

    it('sends If-None-Match and returns the new ETag', async () => {
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"e1"' });
      const write = await newStore().putIf(
        { key: 'guards/deploys/web.json', body: new Uint8Array(2), contentType: 'application/json' },
        { ifNoneMatch: '*' },
      );
      expect(write).toEqual({ written: true, etag: '"e1"' });
      expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
        Bucket: bucket,
        Key: 'guards/deploys/web.json',
        IfNoneMatch: '*',
      });
    });

    it('sends If-Match with the ETag read', async () => {
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"e2"' });
      await newStore().putIf(
        { key: 'k', body: new Uint8Array(2), contentType: 'application/json' },
        { ifMatch: '"e1"' },
      );
      expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ IfMatch: '"e1"' });
      expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.IfNoneMatch).toBeUndefined();
    });

    it.each([
      ['PreconditionFailed', 412],
      ['ConditionalRequestConflict', 409],
      ['NoSuchKey', 404],
    ])('answers %s (%i) as not written', async (name, status) => {
      s3Mock.on(PutObjectCommand).rejects(serviceError(name, status));
      expect(
        await newStore().putIf(
          { key: 'k', body: new Uint8Array(2), contentType: 'application/json' },
          { ifNoneMatch: '*' },
        ),
      ).toEqual({ written: false });
    });

    it('throws a TransientError when S3 is unavailable', async () => {
      s3Mock.on(PutObjectCommand).rejects(serviceError('ServiceUnavailable', 503));
      await expect(
        newStore().putIf({ key: 'k', body: new Uint8Array(2), contentType: 'application/json' }, { ifNoneMatch: '*' }),
      ).rejects.toBeInstanceOf(TransientError);
    });

    it('reads an object with its ETag, and a missing one as undefined', async () => {
      s3Mock.on(GetObjectCommand, { Key: 'there' }).resolves({ Body: body(new Uint8Array([1])), ETag: '"e1"' });
      s3Mock
        .on(GetObjectCommand, { Key: 'missing' })
        .rejects(new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } }));
      expect(await newStore().getVersion('there')).toEqual({ body: new Uint8Array([1]), etag: '"e1"' });
      expect(await newStore().getVersion('missing')).toBeUndefined();
    });
  });
});
