import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../src/cli/api-client.ts';
import { run } from '../../../src/cli/commands/dashboard.ts';
import type { Output } from '../../../src/cli/output.ts';

function recordingOutput(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { json: false, lines, line: (t) => void lines.push(t), event: () => undefined, error: () => undefined };
}

describe('dashboard', () => {
  const closers: (() => void)[] = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  it('points at the local stack dashboard as it is', async () => {
    const out = recordingOutput();
    expect(await run({ port: 0 }, { client: new ApiClient('http://127.0.0.1:7420', 25), out })).toBe(0);
    expect(out.lines).toEqual(['dashboard: http://127.0.0.1:7420/']);
  });

  it('serves a deployed API through a proxy that signs every GET', async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const api = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': req.url === '/' ? 'text/html' : 'application/json' });
      res.end(req.url === '/' ? '<h1>dashboard</h1>' : '{"runs":[]}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    closers.push(() => api.close());
    const base = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
    const client = new ApiClient(base, 1000, async ({ method, url }) => ({
      authorization: `signed ${method} ${new URL(url).pathname}`,
    }));
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    let opened!: (url: string) => void;
    const listening = new Promise<string>((resolve) => (opened = resolve));
    const done = run({ port: 0 }, { client, out: recordingOutput(), until, opened });
    const proxy = await listening;

    const page = await fetch(proxy);
    expect(await page.text()).toBe('<h1>dashboard</h1>');
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(await (await fetch(`${proxy}runs?limit=30`)).json()).toEqual({ runs: [] });
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ['/', 'signed GET /'],
      ['/runs?limit=30', 'signed GET /runs'],
    ]);
    expect((await fetch(`${proxy}uploads`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect(seen).toHaveLength(2);
    stop();
    expect(await done).toBe(0);
  });
});

describe('foreign requests', () => {
  it.each([
    [{ host: '127.0.0.1:7420' }, undefined],
    [{ host: 'localhost:7420', origin: 'http://localhost:7420' }, undefined],
    [{ host: 'evil.example:7420' }, 'answers only at http://127.0.0.1:7420'],
    [
      { host: '127.0.0.1:7420', origin: 'https://evil.example' },
      'Requests from web pages on https://evil.example are refused.',
    ],
  ])('%j → %s', async (headers, expected) => {
    const { foreignRequest } = await import('../../../src/stand-ins/api-server.ts');
    const refusal = foreignRequest({ headers } as never, 7420);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toContain(expected);
  });
});
