import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerContainerService } from '../../src/adapters/local/container-service/index.ts';
import {
  buildImage,
  deployAndWait,
  docker,
  get,
  listContainers,
  pollUntil,
  probeEngine,
  removeStack,
  serviceRef,
  taskSettings,
  whoImage,
} from './container-service.fixtures.ts';

// Desired state on the local stack: a stopped task is replaced, and a restarted stack serves again what served.
const tag = randomBytes(4).toString('hex');
const engine = await probeEngine();
const inCi = process.env.CI === 'true';
if (!engine.ok && !inCi)
  console.warn(`Skipping the local container-service healing contract: ${engine.why}. Run: npm run prereqs`);

const image = whoImage(`slipway-cs-heal-${tag}:v1`, 'v1');

interface Stack {
  service: DockerContainerService;
  stack: string;
  stateDir: string;
}
const stacks: Stack[] = [];

describe.skipIf(!engine.ok && !inCi)('DockerContainerService desired state', () => {
  beforeAll(async () => {
    if (!engine.ok)
      throw new Error(
        `The local container-service contract needs the Docker engine and busybox:latest (${engine.why}). Run: npm run prereqs`,
      );
    await buildImage(image);
  }, 120_000);

  afterAll(async () => {
    for (const stack of stacks) await removeStack(stack);
    if (engine.ok) await docker('rmi', '-f', image.name).catch(() => undefined);
  }, 120_000);

  it('replaces a killed container with one of the same revision', async () => {
    const { service, stack } = await newStack();
    const status = await deployAndWait(service, 'phoenix', image.name, { task: taskSettings({ desiredCount: 2 }) });
    const [victim, survivor] = await listContainers(stack, 'phoenix');

    await docker('kill', victim!.id);

    const healed = await pollUntil(
      () => listContainers(stack, 'phoenix'),
      (list) => list.filter((c) => c.running).length === 2 && !list.some((c) => c.id === victim!.id),
      'a replacement',
    );
    expect(healed.map((c) => c.revision)).toEqual(['1', '1']);
    expect(healed.map((c) => c.id)).toContain(survivor!.id);
    const hosts = await pollUntil(
      () => hostsBehind(status.url!),
      (seen) => seen.size === 2,
      'both containers to serve',
    );
    expect([...hosts].every((h) => h.startsWith('v1 '))).toBe(true);
  });

  it('says which task it replaced and why', async () => {
    const { service, stack } = await newStack();
    await deployAndWait(service, 'witness', image.name);
    const [victim] = await listContainers(stack, 'witness');

    await docker('kill', victim!.id);

    const serving = await pollUntil(
      () => service.serving({ app: 'witness', service: serviceRef('witness') }),
      (s) => s?.replacements?.[0]?.started !== undefined,
      'the replacement to be recorded',
    );
    const [replacement] = await listContainers(stack, 'witness');
    expect(serving).toMatchObject({ revision: 1, runningCount: 1, desiredCount: 1 });
    expect(serving!.replacements).toEqual([
      {
        at: expect.any(String),
        revision: 1,
        stopped: victim!.id.slice(0, 12),
        reason: 'the container exited with code 137',
        started: replacement!.id.slice(0, 12),
      },
    ]);
  });

  it('replaces a container that keeps failing its health check', async () => {
    const { service, stack } = await newStack();
    await deployAndWait(service, 'ailing', image.name);
    const [sick] = await listContainers(stack, 'ailing');

    await docker('exec', sick!.id, 'rm', '/www/healthz');

    const serving = await pollUntil(
      () => service.serving({ app: 'ailing', service: serviceRef('ailing') }),
      (s) => s?.replacements?.[0]?.started !== undefined,
      'the replacement to be recorded',
    );
    expect(serving?.replacements?.[0]).toMatchObject({
      stopped: sick!.id.slice(0, 12),
      reason: 'the container failed 3 health checks in a row (GET /healthz: HTTP 404)',
    });
    expect((await listContainers(stack, 'ailing')).map((c) => c.id)).not.toContain(sick!.id);
  });

  it('replaces a container removed behind its back', async () => {
    const { service, stack } = await newStack();
    const status = await deployAndWait(service, 'removed', image.name);
    const [victim] = await listContainers(stack, 'removed');

    await docker('rm', '-f', victim!.id);

    await pollUntil(
      () => get(status.url!),
      (answer) => answer.status === 200,
      'the URL to serve again',
    );
    const serving = await service.serving({ app: 'removed', service: serviceRef('removed') });
    expect(serving?.replacements?.[0]).toMatchObject({ reason: 'the container was removed' });
  });

  it('brings every app back at the same URL when started after a stop that removed the containers', async () => {
    const first = await newStack();
    const one = await deployAndWait(first.service, 'one', image.name, { task: taskSettings({ desiredCount: 2 }) });
    const two = await deployAndWait(first.service, 'two', image.name);
    await first.service.stop({ removeContainers: true });

    const again = await restarted(first);

    await pollUntil(
      () => hostsBehind(one.url!),
      (hosts) => hosts.size === 2,
      'app one to serve from two containers',
    );
    await pollUntil(
      () => get(two.url!),
      (answer) => answer.status === 200,
      'app two to serve',
    );
    expect(await again.service.serving({ app: 'one', service: serviceRef('one') })).toMatchObject({
      revision: 1,
      url: one.url,
      runningCount: 2,
      desiredCount: 2,
    });
  });

  it('brings an app back when its containers vanished while the stack was stopped, as after an engine restart', async () => {
    const first = await newStack();
    const status = await deployAndWait(first.service, 'reborn', image.name);
    await first.service.stop({ removeContainers: false });
    const gone = await listContainers(first.stack, 'reborn');
    await docker('rm', '-f', ...gone.map((c) => c.id));

    const again = await restarted(first);

    await pollUntil(
      () => get(status.url!),
      (answer) => answer.status === 200,
      'the URL to serve again',
    );
    const serving = await pollUntil(
      () => again.service.serving({ app: 'reborn', service: serviceRef('reborn') }),
      (s) => s?.replacements?.[0]?.started !== undefined,
      'the restore to be recorded',
    );
    expect(serving?.replacements?.[0]).toMatchObject({
      stopped: gone[0]!.id.slice(0, 12),
      reason: 'it was not running when the local stack started',
    });
  });

  it('keeps the running containers and starts none when started after a stop that kept them', async () => {
    const first = await newStack();
    await deployAndWait(first.service, 'kept', image.name, { task: taskSettings({ desiredCount: 2 }) });
    await first.service.stop({ removeContainers: false });
    const before = (await listContainers(first.stack, 'kept')).map((c) => c.id).sort();

    const again = await restarted(first);

    expect(await again.service.serving({ app: 'kept', service: serviceRef('kept') })).toMatchObject({
      runningCount: 2,
    });
    expect((await listContainers(first.stack, 'kept')).map((c) => c.id).sort()).toEqual(before);
  });
});

async function newStack(): Promise<Stack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-cs-heal-'));
  const stack = `cs-heal-${tag}-${stacks.length}`;
  const created = {
    service: new DockerContainerService({ stateDir, stack, pollMs: 100, watchMs: 200 }),
    stack,
    stateDir,
  };
  stacks.push(created);
  await created.service.start();
  return created;
}

/** A new service over the same state and label, as `local up` after `local down`. */
async function restarted(stack: Stack): Promise<Stack> {
  stack.service = new DockerContainerService({
    stateDir: stack.stateDir,
    stack: stack.stack,
    pollMs: 100,
    watchMs: 200,
  });
  await stack.service.start();
  return stack;
}

async function hostsBehind(url: string): Promise<Set<string>> {
  const hosts = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const answer = await get(url);
    if (answer.status === 200) hosts.add(answer.body.trim());
  }
  return hosts;
}
