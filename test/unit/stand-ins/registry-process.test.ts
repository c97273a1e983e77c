import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/local-stack/stack-file.ts';
import { freePort } from '../../../src/local-stack/tcp-ports.ts';
import { registryPidFile, startRegistry, type RegistryProcess } from '../../../src/stand-ins/registry-process.ts';

/** A stand-in for `docker-registry serve <config>`: answers /v2/ on the config's http.addr (a unix socket). */
const FAKE_REGISTRY = `#!${process.execPath}
const { readFileSync } = require('node:fs');
const addr = /addr: (\\S+)/.exec(readFileSync(process.argv[3], 'utf8'))[1];
require('node:http').createServer((req, res) => res.writeHead(req.url === '/v2/' ? 200 : 404).end('{}')).listen(addr);
`;

let registry: RegistryProcess | undefined;
afterEach(async () => {
  await registry?.stop();
  registry = undefined;
});

async function start(): Promise<{ registry: RegistryProcess; dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  const binary = join(dir, 'fake-registry.cjs');
  await writeFile(binary, FAKE_REGISTRY);
  await chmod(binary, 0o755);
  const dataDir = join(dir, 'registry');
  registry = await startRegistry({
    dataDir,
    port: await freePort(),
    notifyUrl: 'http://127.0.0.1:1/',
    binary,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  return { registry, dataDir };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('startRegistry', () => {
  it('writes the running process pid to registry.pid', async () => {
    const { registry, dataDir } = await start();
    expect(Number(await readFile(registryPidFile(dataDir), 'utf8'))).toBe(registry.pid);
  });

  it('starts the registry again when its process is killed, and says so in health()', async () => {
    const { registry } = await start();
    const first = registry.pid;
    process.kill(first, 'SIGKILL');
    const health = await until('a restart', async () => {
      const now = await registry.health();
      return now.ok && now.pid !== first ? now : undefined;
    });
    expect(health).toMatchObject({ ok: true, restarts: 1, lastExit: 'signal SIGKILL' });
    expect(registry.pid).toBe(health.pid);
  });

  it('refuses a request from a web page on another origin at its front', async () => {
    const { registry } = await start();
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    expect((await fetch(`${registry.url}/v2/`, { headers: { origin: 'https://attacker.example' } })).status).toBe(403);
  });

  it('stops its process and removes the pid file at stop, without restarting it', async () => {
    const { registry: started, dataDir } = await start();
    const pid = started.pid;
    await started.stop();
    registry = undefined;
    expect(isAlive(pid)).toBe(false);
    await expect(stat(registryPidFile(dataDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
