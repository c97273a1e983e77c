import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../../../src/adapters/aws/s3-object-store.ts';
import { checkPostSize, verifyPostPolicy } from '../../../../src/stand-ins/s3/post-policy.ts';

const credentials = { accessKeyId: 'SLIPWAYLOCAL', secretAccessKey: 'local-secret-key' };
const region = 'us-east-1';
const bucket = 'slipway-contexts';
const signedAt = new Date('2026-01-15T10:00:00Z');
const options = { credentials, region, now: () => new Date('2026-01-15T10:05:00Z') };
const KEY = 'contexts/hello/01J0000000.tar.gz';

/** The fields the real adapter hands out (createPresignedPost), as the front sees them: names lower-cased. */
async function presignedFields(secretAccessKey = credentials.secretAccessKey): Promise<Record<string, string>> {
  const client = createS3Client({
    endpoint: 'http://127.0.0.1:4569',
    region,
    credentials: { ...credentials, secretAccessKey },
    forcePathStyle: true,
  });
  const store = new S3ObjectStore({ bucket, client, clock: { now: () => signedAt } });
  const upload = await store.createUpload({
    key: KEY,
    contentType: 'application/gzip',
    expiresInSeconds: 900,
    maxBytes: 1024,
    metadata: { app: 'hello' },
  });
  return upload.fields;
}

/** A form for a hand-written policy, signed as S3 expects (HMAC-SHA256 of the base64 policy with the SigV4 signing key). */
function signedForm(policy: unknown, fields: Record<string, string>): Record<string, string> {
  const encoded = Buffer.from(typeof policy === 'string' ? policy : JSON.stringify(policy)).toString('base64');
  let key = Buffer.from(`AWS4${credentials.secretAccessKey}`);
  for (const part of ['20260115', region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/20260115/${region}/s3/aws4_request`,
    'X-Amz-Date': '20260115T100000Z',
    ...fields,
    Policy: encoded,
    'X-Amz-Signature': createHmac('sha256', key).update(encoded).digest('hex'),
  };
}

const authConditions = [
  { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
  { 'X-Amz-Credential': `${credentials.accessKeyId}/20260115/${region}/s3/aws4_request` },
  { 'X-Amz-Date': '20260115T100000Z' },
];

function verify(fields: Record<string, string>, postedTo = bucket) {
  return verifyPostPolicy(
    { bucket: postedTo, fields: new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])) },
    options,
  );
}

describe('verifyPostPolicy', () => {
  it("accepts the adapter's presigned POST with its key and size range", async () => {
    expect(verify(await presignedFields())).toEqual({ ok: true, key: KEY, size: { min: 1, max: 1024 } });
  });

  it.each([
    [
      'no policy',
      (f: Record<string, string>) => omit(f, 'Policy'),
      403,
      'AccessDenied',
      'anonymous POST uploads are refused',
    ],
    [
      'no key',
      (f: Record<string, string>) => omit(f, 'key'),
      400,
      'InvalidArgument',
      "Bucket POST must contain a field named 'key'",
    ],
    [
      'no signature',
      (f: Record<string, string>) => omit(f, 'X-Amz-Signature'),
      400,
      'InvalidArgument',
      "field named 'x-amz-signature'",
    ],
    [
      'another algorithm',
      (f: Record<string, string>) => ({ ...f, 'X-Amz-Algorithm': 'AWS4-HMAC-SHA1' }),
      400,
      'InvalidArgument',
      'only supports',
    ],
    [
      'an unknown access key',
      (f: Record<string, string>) => ({ ...f, 'X-Amz-Credential': 'SOMEONE/20260115/us-east-1/s3/aws4_request' }),
      403,
      'InvalidAccessKeyId',
      'does not exist',
    ],
    [
      'another region',
      (f: Record<string, string>) => ({
        ...f,
        'X-Amz-Credential': `${credentials.accessKeyId}/20260115/eu-west-1/s3/aws4_request`,
      }),
      400,
      'InvalidArgument',
      "region 'eu-west-1' is wrong",
    ],
    [
      'a changed signature',
      (f: Record<string, string>) => ({ ...f, 'X-Amz-Signature': '0'.repeat(64) }),
      403,
      'SignatureDoesNotMatch',
      'does not match',
    ],
    [
      'a changed policy',
      (f: Record<string, string>) => ({ ...f, Policy: `${f.Policy}IA==` }),
      403,
      'SignatureDoesNotMatch',
      'does not match',
    ],
    [
      'a session token',
      (f: Record<string, string>) => ({ ...f, 'x-amz-security-token': 'token' }),
      403,
      'InvalidToken',
      'issues no session tokens',
    ],
    [
      'another key',
      (f: Record<string, string>) => ({ ...f, key: 'contexts/evil/x.tar.gz' }),
      403,
      'AccessDenied',
      `Policy Condition failed: ["eq", "$key", "${KEY}"]`,
    ],
    [
      'another content type',
      (f: Record<string, string>) => ({ ...f, 'Content-Type': 'text/html' }),
      403,
      'AccessDenied',
      'Policy Condition failed: ["eq", "$Content-Type", "application/gzip"]',
    ],
    [
      'no metadata field',
      (f: Record<string, string>) => omit(f, 'x-amz-meta-app'),
      403,
      'AccessDenied',
      'Policy Condition failed: ["eq", "$x-amz-meta-app", "hello"]',
    ],
    [
      'an extra field',
      (f: Record<string, string>) => ({ ...f, 'x-amz-meta-evil': '1', acl: 'public-read' }),
      403,
      'AccessDenied',
      'Extra input fields: x-amz-meta-evil, acl',
    ],
    [
      'a bucket field for another bucket',
      (f: Record<string, string>) => ({ ...f, bucket: 'other' }),
      403,
      'AccessDenied',
      'is not the bucket posted to',
    ],
  ])('refuses a form with %s', async (_label, change, status, code, message) => {
    const verdict = verify(change(await presignedFields()));

    expect(verdict).toMatchObject({ ok: false, status, code });
    expect(verdict.ok === false && verdict.message).toContain(message);
  });

  it('refuses a form signed with another secret', async () => {
    expect(verify(await presignedFields('wrong-secret'))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a form posted to another bucket than the policy names', async () => {
    const fields = omit(await presignedFields(), 'bucket');

    expect(verify(fields, 'other-bucket')).toMatchObject({
      status: 403,
      message: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${bucket}"]`,
    });
  });

  it('refuses an expired policy, saying so', async () => {
    const fields = await presignedFields();
    const late = verifyPostPolicy(
      { bucket, fields: lower(fields) },
      { ...options, now: () => new Date('2026-01-15T10:15:01Z') },
    );

    expect(late).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
      details: { Expiration: '2026-01-15T10:15:00Z' },
    });
  });

  it('accepts fields named x-ignore-* that no condition covers', async () => {
    expect(verify({ ...(await presignedFields()), 'x-ignore-tracking': '1' })).toMatchObject({ ok: true });
  });

  it('matches starts-with conditions on the key, and content types one by one', () => {
    const policy = {
      expiration: '2026-01-15T11:00:00Z',
      conditions: [
        { bucket },
        ['starts-with', '$key', 'contexts/'],
        ['starts-with', '$Content-Type', 'image/'],
        ...authConditions,
      ],
    };

    expect(
      verify(signedForm(policy, { key: 'contexts/a.tar.gz', 'Content-Type': 'image/png, image/gif' })),
    ).toMatchObject({ ok: true, size: undefined });
    expect(verify(signedForm(policy, { key: 'other/a.tar.gz', 'Content-Type': 'image/png' }))).toMatchObject({
      message: expect.stringContaining('["starts-with", "$key", "contexts/"]'),
    });
    expect(verify(signedForm(policy, { key: 'contexts/a', 'Content-Type': 'image/png, text/html' }))).toMatchObject({
      status: 403,
    });
  });

  it('narrows several content-length-range conditions to their intersection', () => {
    const policy = {
      expiration: '2026-01-15T11:00:00Z',
      conditions: [
        { bucket },
        { key: 'k' },
        ['content-length-range', 10, 100],
        ['content-length-range', 0, 50],
        ...authConditions,
      ],
    };

    expect(verify(signedForm(policy, { key: 'k' }))).toEqual({ ok: true, key: 'k', size: { min: 10, max: 50 } });
  });

  it.each([
    ['not JSON', 'not json', 'Invalid Policy: Invalid JSON.'],
    ['without an expiration', { conditions: [] }, 'Invalid Policy: Policy missing expiration.'],
    ['with an unreadable expiration', { expiration: 'soon', conditions: [] }, "Invalid 'expiration' value: 'soon'"],
    ['without conditions', { expiration: '2026-01-15T11:00:00Z' }, 'Invalid Policy: Policy missing conditions.'],
    [
      'with an unknown operator',
      { expiration: '2026-01-15T11:00:00Z', conditions: [['ends-with', '$key', 'x']] },
      'Invalid Condition: ["ends-with","$key","x"]',
    ],
    [
      'with a backwards size range',
      { expiration: '2026-01-15T11:00:00Z', conditions: [['content-length-range', 10, 1]] },
      'Invalid Condition',
    ],
  ])('refuses a correctly signed policy %s as an invalid policy document', (_label, policy, message) => {
    expect(verify(signedForm(policy, { key: 'k' }))).toMatchObject({
      status: 400,
      code: 'InvalidPolicyDocument',
      message: expect.stringContaining(message),
    });
  });
});

describe('checkPostSize', () => {
  it.each([
    [1025, { min: 1, max: 1024 }, 'EntityTooLarge', { ProposedSize: '1025', MaxSizeAllowed: '1024' }],
    [0, { min: 1, max: 1024 }, 'EntityTooSmall', { ProposedSize: '0', MinSizeAllowed: '1' }],
  ])('refuses %d bytes in %j with %s', (size, range, code, details) => {
    expect(checkPostSize(size, range)).toMatchObject({ status: 400, code, details });
  });

  it.each([
    [1024, { min: 1, max: 1024 }],
    [1, { min: 1, max: 1024 }],
    [10 ** 12, undefined],
  ])('accepts %d bytes in %j', (size, range) => {
    expect(checkPostSize(size, range)).toBeUndefined();
  });
});

function omit(fields: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => key !== name));
}

function lower(fields: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value]));
}
