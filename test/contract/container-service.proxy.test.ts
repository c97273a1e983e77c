import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProxy } from '../../src/adapters/local/container-service/proxy.ts';

// The local load balancer in front of an app's containers, exercised against a plain node upstream.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('AppProxy', () => {
  it('answers 503 naming the app while nothing serves', async () => {
    const proxy = await openProxy();

    const answer = await send(proxy, { path: '/' });

    expect(answer.status).toBe(503);
    expect(answer.body).toContain('No version of app "hello" is serving yet');
  });

  it('answers 502 when the container does not answer', async () => {
    const proxy = await openProxy();
    const port = await closedPort();
    proxy.setTarget(port);

    const answer = await send(proxy, { path: '/' });

    expect(answer.status).toBe(502);
    expect(answer.body).toContain('App "hello" did not answer');
  });

  it('copies the status, status message and repeated headers of the answer', async () => {
    const proxy = await openProxy(
      await upstream((req, res) => {
        res.writeHead(418, 'Short and stout', { 'set-cookie': ['a=1', 'b=2'], 'x-app': 'yes' });
        res.end('teapot');
      }),
    );

    const answer = await send(proxy, { path: '/' });

    expect(answer).toMatchObject({ status: 418, statusMessage: 'Short and stout', body: 'teapot' });
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(answer.headers['x-app']).toBe('yes');
  });

  it('forwards method, path, query and headers, without hop-by-hop headers', async () => {
    let seen: { method?: string; url?: string; headers?: Record<string, unknown> } = {};
    const proxy = await openProxy(
      await upstream((req, res) => {
        seen = { method: req.method, url: req.url, headers: req.headers };
        res.end();
      }),
    );

    await send(proxy, {
      method: 'DELETE',
      path: '/items/7?force=1',
      headers: { 'x-request-id': 'r1', connection: 'keep-alive, x-secret', 'x-secret': 's' },
    });

    expect(seen).toMatchObject({
      method: 'DELETE',
      url: '/items/7?force=1',
      headers: { 'x-request-id': 'r1', 'x-forwarded-proto': 'http' },
    });
    expect(seen.headers).not.toHaveProperty('x-secret');
  });

  it('streams a large request body through and the answer back', async () => {
    const proxy = await openProxy(await upstream((req, res) => req.pipe(res)));
    const body = 'x'.repeat(5 * 1024 * 1024);

    const answer = await send(proxy, { method: 'POST', path: '/echo', body });

    expect(answer.body.length).toBe(body.length);
  });

  it('sends new requests to the new target after a switch', async () => {
    const proxy = await openProxy(await upstream((_req, res) => res.end('old')));
    proxy.setTarget(await upstream((_req, res) => res.end('new')));

    const answer = await send(proxy, { path: '/' });

    expect(answer.body).toBe('new');
  });

  it('balances requests round robin over its targets', async () => {
    const proxy = await openProxy();
    proxy.setTargets([await upstream((_req, res) => res.end('a')), await upstream((_req, res) => res.end('b'))]);

    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push((await send(proxy, { path: '/' })).body);

    expect(bodies.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('sends nothing to a target once removed', async () => {
    const proxy = await openProxy(await upstream((_req, res) => res.end('staying')));
    const leaving = await upstream((_req, res) => res.end('leaving'));
    proxy.addTarget(leaving);

    proxy.removeTarget(leaving);

    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await send(proxy, { path: '/' })).body);
    expect([...bodies]).toEqual(['staying']);
  });

  it('answers 503 once its last target is removed', async () => {
    const port = await upstream((_req, res) => res.end('gone soon'));
    const proxy = await openProxy(port);

    proxy.removeTarget(port);

    expect((await send(proxy, { path: '/' })).status).toBe(503);
  });

  it('lets a request already sent to the old target finish before its drain ends', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const oldPort = await upstream((_req, res) => void released.then(() => res.end('old, finished')));
    const proxy = await openProxy(oldPort);
    const slow = send(proxy, { path: '/slow' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.setTarget(await upstream((_req, res) => res.end('new')));

    let drained = false;
    const drain = proxy.drain(oldPort, 5_000).then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(false);
    release();

    expect((await slow).body).toBe('old, finished');
    await drain;
    expect((await send(proxy, { path: '/' })).body).toBe('new');
  });

  it('binds the same port again after closing', async () => {
    const first = await openProxy();
    const port = first.port!;
    await first.close();

    const second = new AppProxy('hello');
    cleanups.push(() => second.close());

    expect(await second.listen(port)).toBe(port);
  });
});

async function openProxy(target?: number): Promise<AppProxy> {
  const proxy = new AppProxy('hello');
  await proxy.listen(0);
  proxy.setTarget(target);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function upstream(handler: Parameters<typeof createServer>[1] & object): Promise<number> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => closeServer(server));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await closeServer(server);
  return port;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Sent {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  proxy: AppProxy,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
