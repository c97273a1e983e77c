import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executeApiRegion, sigv4Signer } from '../../../src/cli/sigv4-signer.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = () => new Date('2024-11-20T10:00:00.000Z');
const API = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** SigV4 written out from AWS's specification, to check the signer against something other than itself. */
function expectedSignature(
  request: { method: string; url: string; headers: Record<string, string>; body: string },
  signedHeaders: string[],
): string {
  const url = new URL(request.url);
  const headers: Record<string, string> = {
    host: url.host,
    ...Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const canonical = [
    request.method,
    url.pathname,
    query,
    ...signedHeaders.map((h) => `${h}:${(headers[h] ?? '').trim()}`),
    '',
    signedHeaders.join(';'),
    sha256(request.body),
  ].join('\n');
  const amzDate = headers['x-amz-date'] as string;
  const scope = `${amzDate.slice(0, 8)}/eu-west-1/execute-api/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = ['eu-west-1', 'execute-api', 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(`AWS4${CREDENTIALS.secretAccessKey}`, amzDate.slice(0, 8)),
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('sigv4-signer', () => {
  it.each([
    [`${API}`, 'eu-west-1'],
    [`${API}/`, 'eu-west-1'],
    ['https://abc123.execute-api.us-gov-west-1.amazonaws.com/runs', 'us-gov-west-1'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['http://127.0.0.1:4566', undefined],
    ['https://api.example.com', undefined],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com.evil.example', undefined],
  ])('finds the region of %s: %s', (url, region) => {
    expect(executeApiRegion(url)).toBe(region);
  });

  it("signs a request as SigV4 specifies, for execute-api in the API's region", async () => {
    const sign = sigv4Signer({ region: 'eu-west-1', credentials: CREDENTIALS, now: NOW });
    const request = {
      method: 'POST',
      url: `${API}/uploads?dry=1&app=hello`,
      headers: { 'content-type': 'application/json' },
      body: '{"app":"hello"}',
    };

    const headers = await sign(request);

    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20241120\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        headers.authorization ?? '',
      );
    expect(match).not.toBeNull();
    const signedHeaders = (match?.[1] ?? '').split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
    expect(headers['x-amz-date']).toBe('20241120T100000Z');
    expect(match?.[2]).toBe(
      expectedSignature({ ...request, headers: { ...request.headers, ...headers } }, signedHeaders),
    );
  });

  it('sends the session token of temporary credentials', async () => {
    const sign = sigv4Signer({
      region: 'eu-west-1',
      credentials: { ...CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE' },
      now: NOW,
    });

    const headers = await sign({ method: 'GET', url: `${API}/runs`, headers: {} });

    expect(headers['x-amz-security-token']).toBe('IQoJb3JpZ2luX2VjEXAMPLE');
  });

  it('leaves Host to fetch, which sends the value that was signed', async () => {
    const sign = sigv4Signer({ region: 'eu-west-1', credentials: CREDENTIALS, now: NOW });

    expect(Object.keys(await sign({ method: 'GET', url: `${API}/runs`, headers: {} }))).not.toContain('host');
  });
});
