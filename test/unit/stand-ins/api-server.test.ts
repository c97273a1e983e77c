import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type HttpFunction } from '../../../src/stand-ins/api-server.ts';

const LIMIT = 100;
let close: (() => Promise<void>) | undefined;

async function server(fn: HttpFunction) {
  const api = await startApiServer({
    port: 0,
    maxBodyBytes: LIMIT,
    routes: [
      {
        function: 'github-webhook',
        method: 'POST',
        path: '/webhooks/github',
        handler: 'functions/github-webhook.handler',
      },
    ],
    resolve: async () => fn,
    local: { 'POST /_local/events': async (_request, body) => ({ status: 200, body: { bytes: body.length } }) },
  });
  close = api.close;
  return api.url;
}

afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('startApiServer', () => {
  it('answers 413 naming the limit for a route body over it', async () => {
    let called = false;
    const url = await server(async () => ((called = true), { statusCode: 200 }));
    const response = await fetch(`${url}/webhooks/github`, { method: 'POST', body: 'x'.repeat(LIMIT + 1) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: {
        name: 'PayloadTooLarge',
        kind: 'too-large',
        message: expect.stringContaining(`limit of ${LIMIT} bytes`),
      },
    });
    expect(called).toBe(false);
  });

  it('answers 413 for a local endpoint body over the limit', async () => {
    const url = await server(async () => ({ statusCode: 200 }));
    const response = await fetch(`${url}/_local/events`, { method: 'POST', body: 'x'.repeat(LIMIT * 50) });
    expect(response.status).toBe(413);
  });

  it('passes a body at the limit to the function', async () => {
    const url = await server(async (event) => ({ statusCode: 200, body: String(event.body?.length) }));
    const response = await fetch(`${url}/webhooks/github`, { method: 'POST', body: 'x'.repeat(LIMIT) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(String(LIMIT));
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const url = await server(async () => ({ statusCode: 200 }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i += 1) controller.enqueue(new Uint8Array(LIMIT / 2));
        controller.close();
      },
    });
    const response = await fetch(`${url}/webhooks/github`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
  });
});
