import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { lastLine, projectWith, slipway, stackInfo, stateDirFor, type CliResult } from './support.ts';

/**
 * A created service on the real local stack (issue 9, item 8): an app with `desiredCount: 2`, an environment value
 * and a secret given by ARN, its value in the stack's `secrets.json`. The test image's start script writes a page with
 * its version, its hostname (the container's id), the environment value and the SHA-256 of the secret (never the
 * value), so every answer says which container gave it and what that container was given.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
if (!dockerUp && !CI) console.warn('e2e skipped: the Docker engine is not answering (run npm run prereqs)');

const exec = promisify(execFile);
const STATE_DIR = stateDirFor('created-service');
const APP = 'pair';
const GREETING = 'hello from slipway.config.json';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pair-token-AbCdEf';
const SECRET = `tok-${randomBytes(16).toString('hex')}`;
const SECRET_SHA256 = createHash('sha256').update(SECRET).digest('hex');
/** A second secret, given to the stack as SLIPWAY_SECRET_DB_PASSWORD (not in secrets.json). */
const DB_ARN = 'arn:aws:ssm:us-east-1:123456789012:parameter/pair/db-password';
const DB_PASSWORD = `pw-${randomBytes(16).toString('hex')}`;
const DB_SHA256 = createHash('sha256').update(DB_PASSWORD).digest('hex');
const CONFIG = {
  apps: {
    [APP]: {
      service: {
        port: 8080,
        healthCheck: { path: '/', timeoutSeconds: 30 },
        desiredCount: 2,
        cpu: 256,
        memory: 512,
        environment: { GREETING },
        secrets: { API_TOKEN: SECRET_ARN, DB_PASSWORD: DB_ARN },
      },
    },
  },
};

interface Answer {
  version: string;
  host: string;
  greeting: string;
  secretSha256: string;
  dbSha256: string;
}

/** A build context whose container serves `version=… host=… greeting=… secret-sha256=… db-sha256=…` on port 8080. */
async function versionContext(version: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pair-'));
  const start = [
    '#!/bin/sh',
    'mkdir -p /www',
    'sha() { printf %s "$1" | sha256sum | cut -d" " -f1; }',
    `printf 'version=%s host=%s greeting=%s secret-sha256=%s db-sha256=%s\\n' '${version}' "$(hostname)" "$GREETING" "$(sha "$API_TOKEN")" "$(sha "$DB_PASSWORD")" > /www/index.html`,
    'exec httpd -f -p 8080 -h /www',
    '',
  ].join('\n');
  await writeFile(join(dir, 'start.sh'), start);
  await writeFile(
    join(dir, 'Dockerfile'),
    'FROM busybox\nCOPY start.sh /start.sh\nEXPOSE 8080\nCMD ["sh", "/start.sh"]\n',
  );
  return dir;
}

/** A build context whose container prints its secret (as a careless app might) and exits at start. */
async function crashingContext(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pair-'));
  await writeFile(
    join(dir, 'Dockerfile'),
    'FROM busybox\nCMD ["sh", "-c", "echo \\"token is $API_TOKEN\\" >&2; echo exiting on purpose >&2; exit 3"]\n',
  );
  return dir;
}

function parseAnswer(body: string): Answer {
  const match = /^version=(\S+) host=(\S+) greeting=(.*) secret-sha256=([0-9a-f]{64}) db-sha256=([0-9a-f]{64})\n$/.exec(
    body,
  );
  if (!match) throw new Error(`unexpected page: ${JSON.stringify(body)}`);
  return { version: match[1]!, host: match[2]!, greeting: match[3]!, secretSha256: match[4]!, dbSha256: match[5]! };
}

/** `count` answers of the URL in a row (the proxy balances each request round robin). */
async function sample(url: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(url);
    const body = await response.text();
    if (!response.ok) throw new Error(`${url} answered ${response.status} ${body}`);
    answers.push(parseAnswer(body));
  }
  return answers;
}

/** Poll until a run of answers comes only from `version`, from exactly `hosts` distinct containers; returns those answers. */
async function servedBy(url: string, version: string, hosts: number, timeoutMs = 15_000): Promise<Answer[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const answers = await sample(url, 8);
      if (answers.every((a) => a.version === version) && new Set(answers.map((a) => a.host)).size === hosts)
        return answers;
      last = JSON.stringify(answers.map((a) => `${a.version}@${a.host}`));
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  throw new Error(`${url} is not served by ${hosts} containers of ${version}; last: ${last}`);
}

/** Requests the URL one after another until stopped; `stop()` returns each answer's status and version. */
function traffic(url: string): { stop: () => Promise<string[]> } {
  let stopped = false;
  const seen: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      try {
        const response = await fetch(url);
        const body = await response.text();
        seen.push(response.ok ? `200 ${parseAnswer(body).version}` : `${response.status} ${body}`);
      } catch (error) {
        seen.push(String(error));
      }
      await sleep(20); // pacing, not waiting: leaves the two cores to the rollout
    }
  })();
  return { stop: async () => ((stopped = true), await loop, seen) };
}

/** Every file under `dir` (recursively) holding `needle`, bytes compared. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const bytes = Buffer.from(needle);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(bytes)) found.push(path);
  }
  return found;
}

describe.skipIf(!dockerUp && !CI)('a created service with two tasks, an environment value and a secret', () => {
  const outputs: CliResult[] = [];
  let project: string;
  let url: string;
  let firstHosts: Set<string>;
  let secondHosts: Set<string>;
  let failed: CliResult;
  let duringRollout: string[] = [];
  let duringFailure: string[] = [];
  const contexts: string[] = [];
  /** The CLI in the project folder against this file's stack; every output is kept for the leak check. */
  const cli = async (args: string[]) => {
    const result = await slipway(args, { stateDir: STATE_DIR, cwd: project });
    outputs.push(result);
    return result;
  };
  const deploy = async (context: string) => {
    contexts.push(context);
    return cli(['deploy', context, '--app', APP]);
  };
  /** The app's running containers, by short id (a container's hostname). */
  const containers = async () => {
    const { stack } = await stackInfo(STATE_DIR);
    const { stdout } = await exec(DOCKER, [
      'ps',
      '-q',
      '--filter',
      `label=slipway.stack=${stack}`,
      '--filter',
      `label=slipway.app=${APP}`,
    ]);
    return new Set(stdout.trim().split('\n').filter(Boolean));
  };
  /** Poll until the app's running containers are exactly `hosts` (a rollout retires the old ones after it reports COMPLETED, once drained). */
  const expectContainers = async (hosts: Set<string>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let running = await containers();
    while (Date.now() < deadline && !(running.size === hosts.size && [...hosts].every((h) => running.has(h)))) {
      await sleep(200);
      running = await containers();
    }
    expect(running).toEqual(hosts);
  };

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed): the e2e suite needs it. Run scripts/prereqs.sh.`,
      );
    await rm(STATE_DIR, { recursive: true, force: true });
    project = await projectWith(CONFIG);
    // The local stack reads `<state folder>/secrets.json` ({ "<ARN or variable>": "<value>" }) at each container start.
    await mkdir(STATE_DIR, { recursive: true });
    await writeFile(join(STATE_DIR, 'secrets.json'), JSON.stringify({ [SECRET_ARN]: SECRET }), { mode: 0o600 });
    const up = await slipway(['local', 'up'], {
      stateDir: STATE_DIR,
      cwd: project,
      env: { SLIPWAY_SECRET_DB_PASSWORD: DB_PASSWORD },
    });
    outputs.push(up);
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    const info = await stackInfo(STATE_DIR).catch(() => undefined);
    // The build runner leaves each run's image in the engine (`<registry>/<app>:<runId>`); this file removes its own.
    const runs = info
      ? await cli(['runs', '--app', APP, '--json'])
          .then((r) => JSON.parse(r.stdout) as { runId: string }[])
          .catch(() => [])
      : [];
    const down = await slipway(['local', 'down'], { stateDir: STATE_DIR, cwd: project });
    const left = info
      ? (await exec(DOCKER, ['ps', '-aq', '--filter', `label=slipway.stack=${info.stack}`])).stdout.trim()
      : '';
    if (info && runs.length > 0)
      await exec(DOCKER, ['rmi', ...runs.map(({ runId }) => `${new URL(info.registry).host}/${APP}:${runId}`)]).catch(
        () => undefined,
      );
    await Promise.all(
      [STATE_DIR, project, ...contexts].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })),
    );
    expect(down.code, down.stderr).toBe(0);
    expect(left, 'containers left behind').toBe('');
  });

  it('ends slipway deploy with `url: …`, where two containers serve the first version', async () => {
    const result = await deploy(await versionContext('v1'));

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toMatch(/^url: http:\/\/127\.0\.0\.1:\d+$/);
    url = lastLine(result.stdout).slice('url: '.length);
    firstHosts = new Set((await servedBy(url, 'v1', 2)).map((a) => a.host));
    await expectContainers(firstHosts);
  });

  it('replaces both containers with the second version behind the same URL', async () => {
    const context = await versionContext('v2');
    const requests = traffic(url);
    const result = await deploy(context);
    duringRollout = await requests.stop();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toBe(`url: ${url}`);
    secondHosts = new Set((await servedBy(url, 'v2', 2)).map((a) => a.host));
    expect([...secondHosts].filter((host) => firstHosts.has(host))).toEqual([]);
    await expectContainers(secondHosts);
  });

  it('answers every request during that rollout, from the first version or the second', () => {
    expect(new Set(duringRollout)).toEqual(new Set(['200 v1', '200 v2']));
  });

  it("gives every container the config's environment value", async () => {
    const answers = await sample(url, 8);

    expect(new Set(answers.map((a) => a.host))).toEqual(secondHosts);
    for (const answer of answers) expect(answer.greeting).toBe(GREETING);
  });

  it("gives every container the secret's value from secrets.json", async () => {
    const answers = await sample(url, 8);

    expect(new Set(answers.map((a) => a.host))).toEqual(secondHosts);
    for (const answer of answers) expect(answer.secretSha256).toBe(SECRET_SHA256);
  });

  it("gives every container the secret's value from SLIPWAY_SECRET_<NAME> in the stack's environment", async () => {
    const answers = await sample(url, 8);

    expect(new Set(answers.map((a) => a.host))).toEqual(secondHosts);
    for (const answer of answers) expect(answer.dbSha256).toBe(DB_SHA256);
  });

  it("runs each container with the config's cpu and memory as its limits", async () => {
    const { stdout } = await exec(DOCKER, [
      'inspect',
      '--format',
      '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}',
      ...secondHosts,
    ]);

    // cpu 256 units = 0.25 CPU; memory 512 MiB.
    expect(stdout.trim().split('\n')).toEqual([...secondHosts].map(() => `${0.25e9} ${512 * 1024 * 1024}`));
  });

  it('lists the app in slipway apps --json with its URL, 2 of 2 tasks running', async () => {
    const result = await cli(['apps', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const { apps } = JSON.parse(result.stdout) as {
      apps: { app: string; url?: string; serving?: { runningCount?: number; desiredCount?: number } }[];
    };
    expect(apps.find((a) => a.app === APP)).toMatchObject({ url, serving: { runningCount: 2, desiredCount: 2 } });
  });

  it('shows 2/2 tasks in the slipway apps table', async () => {
    const result = await cli(['apps']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').find((line) => line.startsWith(`${APP} `))).toMatch(/ 2\/2 /);
  });

  it('keeps both containers of the second version serving when the new container exits at start', async () => {
    const context = await crashingContext();
    const requests = traffic(url);
    failed = await deploy(context);
    duringFailure = await requests.stop();

    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout.split('\n').find((line) => line.startsWith('still serving: revision '))).toMatch(
      new RegExp(
        `^still serving: revision \\d+ \\(127\\.0\\.0\\.1:\\d+/${APP}@sha256:[0-9a-f]{64}\\) at ${url.replaceAll('.', '\\.')}$`,
      ),
    );
    expect(new Set((await servedBy(url, 'v2', 2)).map((a) => a.host))).toEqual(secondHosts);
    await expectContainers(secondHosts);
  });

  it('answers every request during the failed rollout from the second version', () => {
    expect(new Set(duringFailure)).toEqual(new Set(['200 v2']));
  });

  it('reports the failed run as FAILED in the rollout step with the container exit as the reason', async () => {
    const runs = JSON.parse((await cli(['runs', '--app', APP, '--json'])).stdout) as { runId: string }[];
    const result = await cli(['status', runs[0]!.runId, '--json']);

    const view = JSON.parse(result.stdout) as {
      status: string;
      error?: { step: string; name: string; message: string };
    };
    expect(view).toMatchObject({ status: 'FAILED', error: { step: 'rollout', name: 'RolloutFailedError' } });
    expect(view.error!.message).toContain('exiting on purpose');
    expect(failed.stdout).toContain('in rollout: RolloutFailedError');
    expect(failed.stdout).toContain('exiting on purpose');
  });

  it('masks the secret in what the failing container printed', () => {
    expect(failed.stdout.split('\n')).toContain('  token is ***');
  });

  it('fails a deploy whose secret has no value on this machine, naming where to put it', async () => {
    await writeFile(join(STATE_DIR, 'secrets.json'), '{}', { mode: 0o600 });
    try {
      const result = await deploy(await versionContext('v3'));

      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toContain(
        `in deploy: SecretNotFoundError: Secret API_TOKEN of app "${APP}" (${SECRET_ARN}) has no value on this machine. Add "${SECRET_ARN}": "<value>" to ${join(STATE_DIR, 'secrets.json')}, or set SLIPWAY_SECRET_API_TOKEN`,
      );
      expect(result.stdout).toContain(`still serving: revision`);
    } finally {
      await writeFile(join(STATE_DIR, 'secrets.json'), JSON.stringify({ [SECRET_ARN]: SECRET }), { mode: 0o600 });
    }
  });

  it('keeps both containers of the second version serving after the deploy without its secret', async () => {
    const answers = await servedBy(url, 'v2', 2);

    expect(new Set(answers.map((a) => a.host))).toEqual(secondHosts);
    await expectContainers(secondHosts);
  });

  it("prints the secret's value in no CLI output, run view or log", async () => {
    const runs = JSON.parse((await cli(['runs', '--app', APP, '--json'])).stdout) as { runId: string }[];
    expect(runs).toHaveLength(4);
    for (const { runId } of runs) {
      await cli(['status', runId]);
      await cli(['status', runId, '--json']);
      await cli(['logs', runId]);
    }

    for (const output of outputs) {
      expect(`${output.stdout}\n${output.stderr}`).not.toContain(SECRET);
      expect(`${output.stdout}\n${output.stderr}`).not.toContain(DB_PASSWORD);
    }
    // The stack log, the build logs, the run histories, the services' state: nothing the stack writes holds them.
    const stackLog = await readFile(join(STATE_DIR, 'logs', 'stack.log'), 'utf8');
    expect(stackLog).not.toContain(SECRET);
    expect(stackLog).not.toContain(DB_PASSWORD);
    expect(await filesContaining(STATE_DIR, SECRET)).toEqual([join(STATE_DIR, 'secrets.json')]);
    expect(await filesContaining(STATE_DIR, DB_PASSWORD)).toEqual([]);
  });
});
