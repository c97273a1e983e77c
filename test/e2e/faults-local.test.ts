import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { stackPaths } from '../../src/local-stack/paths.ts';
import { groupAlive } from '../../src/local-stack/processes.ts';
import { isAlive } from '../../src/local-stack/stack-file.ts';
import { descendants, listeningTcpPorts } from '../unit/local-stack/listening-ports.ts';
import { helloCopy, lastLine, ROOT, slipway, stackInfo, stateDirFor } from './support.ts';

// The fault suite's local half: what a user gets when parts of the local stack die, are killed, or
// are reached by someone who should not reach them, and that nothing is left behind afterwards.
const exec = promisify(execFile);
const STATE = stateDirFor('faults');
const paths = stackPaths(ROOT, STATE);
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
if (!dockerUp && !CI) console.warn('e2e skipped: the Docker engine is not answering (run npm run prereqs)');

const cli = (args: string[]) => slipway(args, { stateDir: STATE });

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
}

interface Health {
  ok: boolean;
  pid?: number;
  restarts?: number;
}
async function status(): Promise<{
  running: boolean;
  api: string;
  s3: string;
  registry: string;
  pid: number;
  stack: string;
  health?: Record<string, Health>;
}> {
  const result = await cli(['local', 'status', '--json']);
  return JSON.parse(result.stdout);
}

/** Every process whose command line names the state folder: the stack's registry, its builds. */
async function processesNamingState(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (cmdline.includes(STATE) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

/** The builds in the state folder that are running now: their pid from state.json. */
async function runningBuilds(): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir(paths.builds).catch(() => [] as string[])) {
    const state = JSON.parse(await readFile(join(paths.builds, name, 'state.json'), 'utf8').catch(() => '{}')) as {
      status?: string;
      pid?: number;
    };
    if (state.status === 'IN_PROGRESS' && state.pid && isAlive(state.pid)) pids.push(state.pid);
  }
  return pids;
}

/** GET `url` naming another host in the Host header, as a DNS-rebinding page's requests do. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

async function deployHello(): Promise<string> {
  const deploy = await cli(['deploy', await helloCopy(), '--app', 'hello']);
  expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
  return lastLine(deploy.stdout).slice('url: '.length);
}

describe.skipIf(!dockerUp && !CI)('local stack faults', () => {
  let stack = '';

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed): the e2e suite needs it. Run scripts/prereqs.sh.`,
      );
    await rm(STATE, { recursive: true, force: true });
    const up = await cli(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
    stack = (await stackInfo(STATE)).stack;
  });

  afterAll(async () => {
    await cli(['local', 'down']);
    await rm(STATE, { recursive: true, force: true });
  });

  it('answers an anonymous S3 listing or cross-origin form POST on no port the stack opens', async () => {
    const appUrl = await deployHello();
    const info = await stackInfo(STATE);
    const own = await listeningTcpPorts([info.pid, ...(await descendants(info.pid))]);
    const { stdout } = await exec(DOCKER, ['ps', '--filter', `label=slipway.stack=${stack}`, '--format', '{{.Ports}}']);
    const published = [...stdout.matchAll(/127\.0\.0\.1:(\d+)->/g)].map((match) => Number(match[1]));
    const known = [info.api, info.s3, info.registry, appUrl].map((url) => Number(new URL(url).port));
    // s3rver has no port of its own: only the API, the S3 front, the registry and the apps' proxies listen.
    expect(own.filter((port) => !known.includes(port))).toEqual([]);
    const runsBefore = (await cli(['runs', '--app', 'hello', '--json'])).stdout;

    for (const port of [...own, ...published]) {
      const base = `http://127.0.0.1:${port}`;
      const list = await fetch(`${base}/slipway-contexts?list-type=2`);
      const listing = await list.text();
      expect(listing, `GET ${base}/slipway-contexts?list-type=2`).not.toContain('ListBucketResult');
      const form = new FormData();
      form.append('key', 'contexts/hello/01J00000000000000000000000.tar.gz');
      form.append('file', new Blob(['FROM busybox\n']), 'context.tar.gz');
      // A server that closes the connection on such a request (an app's httpd may) refuses it too.
      const posted = await fetch(`${base}/slipway-contexts`, {
        method: 'POST',
        body: form,
        headers: { origin: 'https://attacker.example' },
      }).then(
        async (response) => (await response.text(), response.status),
        () => 0,
      );
      expect([200, 201, 204], `POST ${base}/slipway-contexts answered ${posted}`).not.toContain(posted);
    }
    const front = await fetch(`${info.s3}/slipway-contexts?list-type=2`);
    expect(front.status).toBe(403);
    // The registry and the API refuse what a web page could send: another origin, or a DNS-rebinding host name.
    for (const url of [info.registry, info.api]) {
      expect(
        (await fetch(`${url}/v2/_catalog`, { method: 'POST', headers: { origin: 'https://attacker.example' } })).status,
        url,
      ).toBe(403);
      expect(await statusWithHost(`${url}/v2/_catalog`, 'attacker.example'), url).toBe(403);
    }
    expect((await cli(['runs', '--app', 'hello', '--json'])).stdout).toBe(runsBefore);
  });

  it('answers 413 naming the limit to a webhook body over the API limit', async () => {
    const { api } = await stackInfo(STATE);
    const response = await fetch(`${api}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: 'x'.repeat(7 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'limit of 6291456 bytes',
    );
  });

  it('exits 2 for a deploy of a missing folder', async () => {
    const deploy = await cli(['deploy', join(STATE, 'no-such-folder'), '--app', 'hello']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain('is not a folder');
  });

  it('restarts a killed registry, shows it in local status, and the next deploy works', async () => {
    const before = (await status()).health!.registry!;
    expect(before.ok).toBe(true);
    process.kill(before.pid!, 'SIGKILL');
    const after = await until('the registry restarted', async () => {
      const registry = (await status()).health?.registry;
      return registry?.ok && registry.pid !== before.pid ? registry : undefined;
    });
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    const text = await cli(['local', 'status']);
    expect(text.stdout).toMatch(
      /health: +api ok · s3 ok · registry ok \(restarted \d+×; last exit signal SIGKILL\) · containers ok/,
    );
    await deployHello();
  });

  it('cleans the orphans of a stack killed mid-build at the next up, and deploys again', async () => {
    const context = await helloCopy();
    await appendFile(join(context, 'Dockerfile'), 'RUN sleep 120\n');
    const deploy = await cli(['deploy', context, '--app', 'hello', '--no-follow']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const [build] = await until('a build running', async () => {
      const pids = await runningBuilds();
      return pids.length ? pids : undefined;
    });
    const killed = await stackInfo(STATE);
    const registryPid = (await status()).health!.registry!.pid!;
    process.kill(killed.pid, 'SIGKILL');
    await until('the stack gone', async () => (isAlive(killed.pid) ? undefined : true));
    // What a killed stack leaves: its registry keeps running, and so may its build (its bash may also die at
    // its next write into the dead stack's pipe; whichever, the next up must leave nothing of its group).
    expect(isAlive(registryPid)).toBe(true);
    const tempBefore = await readdir(paths.tmp);
    expect(tempBefore.some((name) => name.startsWith('slipway-src-'))).toBe(true);

    const up = await cli(['local', 'up']);

    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`stopped the registry process ${registryPid}`);
    expect(up.stdout).toMatch(/removed \d+ temp folder\(s\) a previous stack left/);
    expect(isAlive(registryPid)).toBe(false);
    // The build's bash may have died by itself (its output pipe closed with the stack): nothing of its group may be left.
    expect(groupAlive(build!)).toBe(false);
    expect((await readdir(paths.tmp)).filter((name) => tempBefore.includes(name))).toEqual([]);
    const registryNow = (await status()).health!.registry!.pid!;
    expect((await processesNamingState()).filter((line) => !line.startsWith(`${registryNow}: `))).toEqual([]);
    await deployHello();
  });

  it('comes up on free ports, saying so, when other programs hold kept ports, and deploys to the new registry', async () => {
    const down = await cli(['local', 'down']);
    expect(down.code).toBe(0);
    const kept = JSON.parse(await readFile(paths.portsFile, 'utf8')) as { api: number; registry: number };
    const holders: Server[] = [];
    for (const port of [kept.api, kept.registry]) {
      const holder = createServer();
      holders.push(holder);
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    }
    try {
      const up = await cli(['local', 'up']);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toContain(`port ${kept.api} (api) is held by another program: the api now listens on`);
      expect(up.stdout).toContain(
        `port ${kept.registry} (registry) is held by another program: the registry now listens on`,
      );
      expect(up.stdout + up.stderr).not.toContain('EADDRINUSE');
      const running = await status();
      expect(running.running).toBe(true);
      expect(Number(new URL(running.api).port)).not.toBe(kept.api);
      expect(Number(new URL(running.registry).port)).not.toBe(kept.registry);
      await deployHello();
    } finally {
      await Promise.all(holders.map((holder) => new Promise((resolve) => holder.close(resolve))));
    }
  });

  it('leaves no process, container, socket or temp folder after local down', async () => {
    const info = await stackInfo(STATE);
    const down = await cli(['local', 'down']);
    expect(down.code).toBe(0);
    expect(isAlive(info.pid)).toBe(false);
    expect(await processesNamingState()).toEqual([]);
    const { stdout } = await exec(DOCKER, ['ps', '-aq', '--filter', `label=slipway.stack=${info.stack}`]);
    expect(stdout.trim()).toBe('');
    expect(existsSync(paths.s3Socket)).toBe(false);
    expect(existsSync(paths.tmp)).toBe(false);
    expect(existsSync(paths.stackFile)).toBe(false);
  });
});
