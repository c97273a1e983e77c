import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, portReplacedLine, stackPorts } from '../../../src/local-stack/tcp-ports.ts';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Another program holding `port` on loopback. */
async function hold(port = 0): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function portsFile(content?: unknown): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'slipway-ports-')), 'ports.json');
  if (content !== undefined) await writeFile(file, JSON.stringify(content));
  return file;
}

describe('stackPorts', () => {
  it('keeps ports that are still free, reporting nothing', async () => {
    const kept = { api: await freePort(), s3: await freePort(), registry: await freePort() };
    const file = await portsFile(kept);
    expect(await stackPorts(file)).toEqual({ ports: kept, replaced: [] });
  });

  it('replaces a kept port another program holds with a free one, and keeps the new one', async () => {
    const taken = await hold();
    const kept = { api: await freePort(), s3: taken, registry: await freePort() };
    const file = await portsFile(kept);

    const { ports, replaced } = await stackPorts(file);

    expect(ports.s3).not.toBe(taken);
    expect(ports.api).toBe(kept.api);
    expect(replaced).toEqual([{ part: 's3', from: taken, to: ports.s3 }]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(ports);
  });

  it('never gives two parts one port', async () => {
    const port = await freePort();
    const { ports } = await stackPorts(await portsFile({ api: port, s3: port, registry: port }));
    expect(new Set(Object.values(ports)).size).toBe(3);
  });

  it('chooses ports when the file is not JSON', async () => {
    const file = await portsFile();
    await writeFile(file, '{ not json');
    const { ports } = await stackPorts(file);
    expect(Object.values(ports).every((port) => Number.isInteger(port) && port > 0)).toBe(true);
  });
});

describe('portReplacedLine', () => {
  it('says which port was taken and which is used instead', () => {
    expect(portReplacedLine({ part: 'api', from: 7420, to: 40001 })).toBe(
      'port 7420 (api) is held by another program: the api now listens on 40001',
    );
  });
});
