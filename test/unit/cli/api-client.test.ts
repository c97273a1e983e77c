import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, apiClient } from '../../../src/cli/api-client.ts';
import { sigv4Signer } from '../../../src/cli/sigv4-signer.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('ApiClient', () => {
  let server: Server;
  let base: string;
  let received: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[];
  let answer: { status: number; body: unknown };

  beforeEach(async () => {
    received = [];
    answer = { status: 200, body: { runs: [] } };
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method, url: request.url, headers: request.headers, body });
        response
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the signer's headers with the request it signed", async () => {
    const client = new ApiClient(base, 1000, sigv4Signer({ region: 'eu-west-1', credentials: CREDENTIALS }));

    await client.request('POST', '/uploads', { app: 'hello' });

    expect(received).toHaveLength(1);
    expect(received[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;[a-z0-9;-]*x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(received[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(received[0]?.body).toBe('{"app":"hello"}');
  });

  it('sends unsigned requests without a signer (the local stack)', async () => {
    await new ApiClient(base).request('GET', '/runs');

    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it('says to configure AWS credentials when there are none to sign with', async () => {
    const client = new ApiClient(
      base,
      1000,
      sigv4Signer({
        region: 'eu-west-1',
        credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
      }),
    );

    const error = await client.request('GET', '/runs').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toContain('configure AWS credentials');
    expect(received).toHaveLength(0);
  });

  it("reports API Gateway's own refusal with its message", async () => {
    answer = {
      status: 403,
      body: { message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: execute-api:Invoke' },
    };

    const error = await new ApiClient(base).request('GET', '/runs').catch((e: unknown) => e);

    expect(error).toMatchObject({
      status: 403,
      message:
        'GET /runs answered 403: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: execute-api:Invoke',
    });
  });

  it.each<[string, { status: number; body: unknown }, { kind: string; errorName?: string; message: string }]>([
    [
      "the server's kind",
      { status: 404, body: { error: { name: 'RunNotFoundError', kind: 'not-found', message: 'No run "x".' } } },
      { kind: 'not-found', errorName: 'RunNotFoundError', message: 'No run "x".' },
    ],
    [
      "the server's kind on a 5xx",
      { status: 503, body: { error: { name: 'TransientError', kind: 'unavailable', message: 'Throttled.' } } },
      { kind: 'unavailable', message: 'Throttled.' },
    ],
    [
      'invalid for a 4xx without a kind',
      { status: 400, body: { error: { name: 'InvalidInputError', message: 'Bad body.' } } },
      { kind: 'invalid', message: 'Bad body.' },
    ],
    [
      'invalid for a kind it does not know',
      { status: 409, body: { error: { name: 'X', kind: 'strange', message: 'Odd.' } } },
      { kind: 'invalid', message: 'Odd.' },
    ],
    [
      'unavailable for a 5xx without a kind',
      { status: 500, body: { message: 'Internal server error' } },
      { kind: 'unavailable', message: 'GET /runs answered 500: Internal server error' },
    ],
    [
      'unavailable for a 502 whose body is not JSON',
      { status: 502, body: '<html>Bad Gateway</html>' },
      { kind: 'unavailable', message: 'GET /runs answered 502' },
    ],
  ])('carries %s', async (_name, given, expected) => {
    answer = given;

    const error = await new ApiClient(base).request('GET', '/runs').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: given.status, ...expected });
  });

  it('is unavailable when the API does not answer', async () => {
    const error = await new ApiClient('http://127.0.0.1:1').request('GET', '/runs').catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 0, kind: 'unavailable' });
  });

  it('signs requests to a deployed API named by SLIPWAY_API_URL', async () => {
    vi.stubEnv('SLIPWAY_API_URL', 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/');

    const client = await apiClient();

    expect(client.baseUrl).toBe('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com');
    expect(client.sign).toBeTypeOf('function');
  });

  it('calls any other SLIPWAY_API_URL unsigned', async () => {
    vi.stubEnv('SLIPWAY_API_URL', base);

    expect((await apiClient()).sign).toBeUndefined();
  });
});
