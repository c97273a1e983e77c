import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DockerContainerService,
  LocalSecretSource,
  type SecretSource,
} from '../../src/adapters/local/container-service/index.ts';
import type { Logger } from '../../src/ports/logger.ts';
import {
  buildImage,
  deployAndWait,
  docker,
  get,
  HTTPD,
  listContainers,
  pollUntil,
  probeEngine,
  removeStack,
  serviceRef,
  taskSettings,
  whoImage,
} from './container-service.fixtures.ts';

// Task settings on the local stack: desiredCount containers behind one URL, limits, environment and secrets.
const tag = randomBytes(4).toString('hex');
const engine = await probeEngine();
const inCi = process.env.CI === 'true';
if (!engine.ok && !inCi)
  console.warn(`Skipping the local container-service task contract: ${engine.why}. Run: npm run prereqs`);

const images = {
  v1: whoImage(`slipway-cs-tasks-${tag}:v1`, 'v1'),
  v2: whoImage(`slipway-cs-tasks-${tag}:v2`, 'v2'),
  crash: {
    name: `slipway-cs-tasks-${tag}:crash`,
    cmd: 'CMD ["sh", "-c", "echo the password is $DB_PASSWORD >&2; exit 1"]',
    content: '',
  },
  plain: { name: `slipway-cs-tasks-${tag}:plain`, cmd: HTTPD, content: 'plain\n' },
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hello/db-AbCdEf';
const SECRET_VALUE = `s3cr3t-${randomBytes(8).toString('hex')}`;
const MULTILINE_VALUE = `-----BEGIN KEY-----\n${randomBytes(12).toString('hex')}\n-----END KEY-----`;

interface Stack {
  service: DockerContainerService;
  stack: string;
  stateDir: string;
  logs: string[];
}
const stacks: Stack[] = [];
let main: Stack;

describe.skipIf(!engine.ok && !inCi)('DockerContainerService tasks', () => {
  beforeAll(async () => {
    if (!engine.ok)
      throw new Error(
        `The local container-service contract needs the Docker engine and busybox:latest (${engine.why}). Run: npm run prereqs`,
      );
    await Promise.all(Object.values(images).map(buildImage));
    main = await newStack();
  }, 120_000);

  afterAll(async () => {
    for (const stack of stacks) await removeStack(stack);
    if (engine.ok) await docker('rmi', '-f', ...Object.values(images).map((i) => i.name)).catch(() => undefined);
  }, 120_000);

  it('reports desiredCount containers running once a rollout completes', async () => {
    const status = await deployAndWait(main.service, 'pair', images.v1.name, {
      task: taskSettings({ desiredCount: 2 }),
    });

    expect(status).toMatchObject({ state: 'COMPLETED', runningCount: 2, desiredCount: 2 });
    expect((await listContainers(main.stack, 'pair')).filter((c) => c.running)).toHaveLength(2);
  });

  it('balances the URL over every container', async () => {
    const status = await deployAndWait(main.service, 'balanced', images.v1.name, {
      task: taskSettings({ desiredCount: 2 }),
    });

    const hosts = new Set<string>();
    for (let i = 0; i < 6; i++) hosts.add((await get(status.url!)).body.trim());

    expect(hosts.size).toBe(2);
    expect([...hosts].every((h) => h.startsWith('v1 '))).toBe(true);
  });

  it('keeps at least desiredCount containers serving throughout a rolling replace', async () => {
    const first = await deployAndWait(main.service, 'rolling', images.v1.name, {
      task: taskSettings({ desiredCount: 2 }),
    });
    const deployment = await main.service.deploy({
      runId: ulid(),
      app: 'rolling',
      service: serviceRef('rolling'),
      image: images.v2.name,
      task: taskSettings({ desiredCount: 2 }),
    });

    const seen: { running: number; answers: number[] }[] = [];
    const final = await pollUntil(
      async () => {
        const running = (await listContainers(main.stack, 'rolling')).filter((c) => c.running).length;
        const answers = await Promise.all([1, 2, 3, 4].map(async () => (await get(first.url!)).status));
        seen.push({ running, answers });
        return main.service.rollout({
          app: 'rolling',
          service: serviceRef('rolling'),
          deploymentId: deployment.deploymentId,
        });
      },
      (status) => status.state !== 'IN_PROGRESS',
      'the rolling replace',
    );

    expect(final.state).toBe('COMPLETED');
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((poll) => poll.running >= 2 && poll.answers.every((s) => s === 200))).toBe(true);
    const bodies = await Promise.all([1, 2, 3, 4].map(async () => (await get(first.url!)).body));
    expect(bodies.every((b) => b.startsWith('v2 '))).toBe(true);
  });

  it('registers nothing and starts nothing when the service already runs the image with the same settings', async () => {
    const task = taskSettings({ desiredCount: 2, environment: { MODE: 'calm' } });
    const first = await deployAndWait(main.service, 'settled', images.v1.name, { task });
    const before = await listContainers(main.stack, 'settled');
    const serving = await main.service.serving({ app: 'settled', service: serviceRef('settled') });

    const again = await main.service.deploy({
      runId: ulid(),
      app: 'settled',
      service: serviceRef('settled'),
      image: images.v1.name,
      task,
    });

    expect(again).toEqual({
      deploymentId: expect.any(String),
      taskDefinition: serving?.taskDefinition,
      revision: serving?.revision,
      unchanged: true,
      url: first.url,
    });
    expect(await listContainers(main.stack, 'settled')).toEqual(before);
  });

  it('deploys a new revision of the same image when a setting changed', async () => {
    const task = taskSettings({ environment: { MODE: 'calm' } });
    await deployAndWait(main.service, 'retuned', images.v1.name, { task });
    const serving = await main.service.serving({ app: 'retuned', service: serviceRef('retuned') });

    const changed = await main.service.deploy({
      runId: ulid(),
      app: 'retuned',
      service: serviceRef('retuned'),
      image: images.v1.name,
      task: { ...task, environment: { MODE: 'busy' } },
    });

    expect(changed.unchanged).toBeUndefined();
    expect(changed.revision).toBe(serving!.revision + 1);
  });

  it('leaves every old container serving when the new revision fails', async () => {
    const good = await deployAndWait(main.service, 'steady', images.v1.name, {
      task: taskSettings({ desiredCount: 2 }),
    });
    const before = (await listContainers(main.stack, 'steady')).map((c) => c.id).sort();

    const bad = await deployAndWait(main.service, 'steady', images.crash.name, {
      task: taskSettings({ desiredCount: 2 }),
    });

    expect(bad.state).toBe('FAILED');
    expect((await listContainers(main.stack, 'steady')).map((c) => c.id).sort()).toEqual(before);
    const hosts = new Set<string>();
    for (let i = 0; i < 6; i++) hosts.add((await get(good.url!)).body.trim());
    expect(hosts.size).toBe(2);
    expect(await main.service.serving({ app: 'steady', service: serviceRef('steady') })).toMatchObject({
      revision: 1,
      runningCount: 2,
      desiredCount: 2,
    });
  });

  it('takes the new containers that were healthy out again when a later one fails, leaving every old one serving', async () => {
    // The secret resolves for the deploy's check and the first new container, not for the second: a failure mid-rollout.
    let calls = 0;
    const flaky: SecretSource = { resolve: async () => (++calls <= 2 ? 'value' : undefined), where: () => 'Nowhere' };
    const stack = await newStack(flaky);
    const good = await deployAndWait(stack.service, 'midway', images.v1.name, {
      task: taskSettings({ desiredCount: 2 }),
    });
    const before = (await listContainers(stack.stack, 'midway')).map((c) => c.id).sort();

    const bad = await deployAndWait(stack.service, 'midway', images.v2.name, {
      task: taskSettings({ desiredCount: 2, secrets: { TOKEN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/token' } }),
    });

    expect(bad.state).toBe('FAILED');
    expect(bad.reason).toContain('TOKEN');
    expect((await listContainers(stack.stack, 'midway')).map((c) => c.id).sort()).toEqual(before);
    const bodies = await Promise.all([1, 2, 3, 4].map(async () => (await get(good.url!)).body));
    expect(bodies.every((b) => b.startsWith('v1 '))).toBe(true);
  });

  it('applies cpu and memory as container limits', async () => {
    await deployAndWait(main.service, 'limited', images.plain.name, { task: taskSettings({ cpu: 512, memory: 128 }) });
    const [container] = await listContainers(main.stack, 'limited');

    const limits = (
      await docker('inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}', container!.id)
    ).trim();

    expect(limits).toBe(`${0.5e9} ${128 * 1024 * 1024}`);
  });

  it('sets no limits for a deploy without task settings', async () => {
    await deployAndWait(main.service, 'unlimited', images.plain.name);
    const [container] = await listContainers(main.stack, 'unlimited');

    const limits = (
      await docker('inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}', container!.id)
    ).trim();

    expect(limits).toBe('0 0');
  });

  it('passes the environment to the container', async () => {
    await deployAndWait(main.service, 'envy', images.plain.name, {
      task: taskSettings({ environment: { GREETING: 'hello there', EMPTY: '' } }),
    });
    const [container] = await listContainers(main.stack, 'envy');

    expect(await envOf(container!.id, 'GREETING')).toBe('hello there\n');
  });

  it('passes a secret from the secrets file to the container', async () => {
    await deployAndWait(main.service, 'secretive', images.plain.name, {
      task: taskSettings({ secrets: { DB_PASSWORD: SECRET_ARN } }),
    });
    const [container] = await listContainers(main.stack, 'secretive');

    expect(await envOf(container!.id, 'DB_PASSWORD')).toBe(`${SECRET_VALUE}\n`);
  });

  it('passes a multi-line secret from the environment to the container', async () => {
    await deployAndWait(main.service, 'keyed', images.plain.name, {
      task: taskSettings({ secrets: { SIGNING_KEY: 'arn:aws:ssm:eu-west-1:123456789012:parameter/signing-key' } }),
    });
    const [container] = await listContainers(main.stack, 'keyed');

    expect(await envOf(container!.id, 'SIGNING_KEY')).toBe(`${MULTILINE_VALUE}\n`);
  });

  it('keeps secret values out of state files, logs, statuses and the docker command line', async () => {
    const status = await deployAndWait(main.service, 'discreet', images.plain.name, {
      task: taskSettings({ secrets: { DB_PASSWORD: SECRET_ARN } }),
    });
    const [container] = await listContainers(main.stack, 'discreet');
    const serving = await main.service.serving({ app: 'discreet', service: serviceRef('discreet') });

    const commandLine = await docker(
      'inspect',
      '--format',
      '{{.Path}} {{json .Args}} {{json .Config.Cmd}} {{json .Config.Entrypoint}}',
      container!.id,
    );
    const said = [
      await stateFiles(main.stateDir),
      main.logs.join('\n'),
      JSON.stringify(status),
      JSON.stringify(serving),
      commandLine,
    ].join('\n');
    expect(said).toContain(SECRET_ARN);
    expect(said).not.toContain(SECRET_VALUE);
  });

  it('masks a secret the failing container printed in the failure reason', async () => {
    const status = await deployAndWait(main.service, 'blabber', images.crash.name, {
      task: taskSettings({ secrets: { DB_PASSWORD: SECRET_ARN } }),
    });

    expect(status.state).toBe('FAILED');
    expect(status.reason).toContain('the password is ***');
    expect(status.reason).not.toContain(SECRET_VALUE);
  });

  it('refuses a deploy whose secret has no value, naming the variable and where to put it', async () => {
    const deploying = main.service.deploy({
      runId: ulid(),
      app: 'unset',
      service: serviceRef('unset'),
      image: images.plain.name,
      task: taskSettings({ secrets: { API_TOKEN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/api-token' } }),
    });

    await expect(deploying).rejects.toMatchObject({
      name: 'SecretNotFoundError',
      kind: 'invalid',
      message: expect.stringMatching(
        /API_TOKEN.*app "unset".*parameter\/api-token.*secrets\.json.*SLIPWAY_SECRET_API_TOKEN/s,
      ),
    });
    expect(await listContainers(main.stack, 'unset')).toEqual([]);
  });

  it('refuses task settings the local engine cannot run, listing each', async () => {
    const deploying = main.service.deploy({
      runId: ulid(),
      app: 'wrong',
      service: serviceRef('wrong'),
      image: images.plain.name,
      task: taskSettings({ desiredCount: -1, memory: 2, environment: { '1BAD': 'x' } }),
    });

    await expect(deploying).rejects.toMatchObject({
      name: 'InvalidInputError',
      issues: [
        expect.stringContaining('desiredCount'),
        expect.stringContaining('memory'),
        expect.stringContaining('"1BAD"'),
      ],
    });
  });
});

async function newStack(secretSource?: SecretSource): Promise<Stack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-cs-tasks-'));
  const secretsFile = join(stateDir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify({ [SECRET_ARN]: SECRET_VALUE }), { mode: 0o600 });
  const stack = `cs-tasks-${tag}-${stacks.length}`;
  const logs: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const secrets =
    secretSource ?? new LocalSecretSource({ file: secretsFile, env: { SLIPWAY_SECRET_SIGNING_KEY: MULTILINE_VALUE } });
  const created = {
    service: new DockerContainerService({
      stateDir: join(stateDir, 'services'),
      stack,
      pollMs: 100,
      watchMs: 200,
      secrets,
      logger,
    }),
    stack,
    stateDir,
    logs,
  };
  stacks.push(created);
  await created.service.start();
  return created;
}

/** What the container's process sees in a variable (busybox has no printenv). */
function envOf(id: string, name: string): Promise<string> {
  return docker('exec', id, 'sh', '-c', `echo "$${name}"`);
}

/** Every file the service wrote under its state folder (the secrets file the test wrote excluded). */
async function stateFiles(dir: string): Promise<string> {
  const entries = await readdir(join(dir, 'services'), { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  expect(files.length).toBeGreaterThan(3);
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}
