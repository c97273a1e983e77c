import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerContainerService } from '../../src/adapters/local/container-service/index.ts';
import type { RolloutStatus } from '../../src/ports/container-service.ts';
import {
  buildImage,
  containers,
  docker,
  get,
  HTTPD,
  probeEngine,
  removeStack,
  serviceRef,
  deployAndWait as deployWith,
  waitForRollout,
} from './container-service.fixtures.ts';
const tag = randomBytes(4).toString('hex');
const engine = await probeEngine();
const inCi = process.env.CI === 'true';
if (!engine.ok && !inCi)
  console.warn(`Skipping the local container-service contract: ${engine.why}. Run: npm run prereqs`);

const images = {
  v1: { name: `slipway-cs-test-${tag}:v1`, cmd: HTTPD, content: 'hello from v1\n' },
  v2: { name: `slipway-cs-test-${tag}:v2`, cmd: HTTPD, content: 'hello from v2\n' },
  crash: {
    name: `slipway-cs-test-${tag}:crash`,
    cmd: 'CMD ["sh", "-c", "echo starting up; echo boom: DATABASE_URL is not set >&2; exit 1"]',
    content: '',
  },
  silent: { name: `slipway-cs-test-${tag}:silent`, cmd: 'CMD ["sleep", "3600"]', content: '' },
};

interface Stack {
  service: DockerContainerService;
  stack: string;
  stateDir: string;
}
const stacks: Stack[] = [];
const decoys: string[] = [];
let main: Stack;

describe.skipIf(!engine.ok && !inCi)('DockerContainerService', () => {
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
    if (decoys.length) await docker('rm', '-f', ...decoys).catch(() => undefined);
    if (engine.ok) await docker('rmi', '-f', ...Object.values(images).map((i) => i.name)).catch(() => undefined);
  }, 120_000);

  it('completes a first deploy whose URL serves the image', async () => {
    const status = await deployAndWait(main.service, 'first', images.v1.name);

    expect(status).toMatchObject({ state: 'COMPLETED', runningCount: 1, desiredCount: 1 });
    expect(await get(status.url!)).toEqual({ status: 200, body: images.v1.content });
  });

  it('serves a second deploy at the same URL', async () => {
    const first = await deployAndWait(main.service, 'second', images.v1.name);

    const second = await deployAndWait(main.service, 'second', images.v2.name);

    expect(second).toMatchObject({ state: 'COMPLETED', url: first.url });
    expect(await get(first.url!)).toEqual({ status: 200, body: images.v2.content });
  });

  it('removes the old container once the new one serves', async () => {
    await deployAndWait(main.service, 'replace', images.v1.name);

    await deployAndWait(main.service, 'replace', images.v2.name);

    // COMPLETED is reported as soon as the URL serves the new version; the old container goes right after.
    const deadline = Date.now() + 10_000;
    let left = await containers(main.stack, 'replace');
    while (left.length > 1 && Date.now() < deadline) left = await containers(main.stack, 'replace');
    expect(left).toEqual([{ revision: '2', image: images.v2.name }]);
  });

  it('reports what serves: image, revision and URL', async () => {
    const status = await deployAndWait(main.service, 'serving', images.v1.name);

    const serving = await main.service.serving({ app: 'serving', service: serviceRef('serving') });

    expect(serving).toMatchObject({ image: images.v1.name, revision: 1, url: status.url });
  });

  it('reports nothing serving for an app never deployed', async () => {
    expect(await main.service.serving({ app: 'never', service: serviceRef('never') })).toBeUndefined();
  });

  it('fails a crashing image with its exit code and last log lines', async () => {
    const status = await deployAndWait(main.service, 'crashy', images.crash.name);

    expect(status.state).toBe('FAILED');
    expect(status.reason).toContain('app "crashy"');
    expect(status.reason).toContain(images.crash.name);
    expect(status.reason).toContain('exited with code 1');
    expect(status.reason).toContain('boom: DATABASE_URL is not set');
  });

  it('keeps the old version serving at the same URL when the new one crashes', async () => {
    const good = await deployAndWait(main.service, 'survivor', images.v1.name);

    const bad = await deployAndWait(main.service, 'survivor', images.crash.name);

    expect(bad).toMatchObject({ state: 'FAILED', url: good.url });
    expect(await get(good.url!)).toEqual({ status: 200, body: images.v1.content });
    expect(await containers(main.stack, 'survivor')).toEqual([{ revision: '1', image: images.v1.name }]);
  });

  it('fails an image that never answers the health check once the timeout passes', async () => {
    await deployAndWait(main.service, 'mute', images.v1.name);

    const status = await deployAndWait(main.service, 'mute', images.silent.name, 3);

    expect(status.state).toBe('FAILED');
    expect(status.reason).toContain('did not pass the health check GET /healthz on port 8080 within 3s');
    expect(status.reason).toContain('Revision 1');
  });

  it('keeps the old version serving when the new one never gets healthy', async () => {
    const good = await deployAndWait(main.service, 'patient', images.v1.name);

    await deployAndWait(main.service, 'patient', images.silent.name, 3);

    expect(await get(good.url!)).toEqual({ status: 200, body: images.v1.content });
    expect(await containers(main.stack, 'patient')).toEqual([{ revision: '1', image: images.v1.name }]);
  });

  it('answers 503 at the URL until a first deploy is healthy', async () => {
    const deployment = await main.service.deploy({
      runId: ulid(),
      app: 'pending',
      service: serviceRef('pending', 3),
      image: images.silent.name,
    });

    const { url } = await main.service.rollout({
      app: 'pending',
      service: serviceRef('pending'),
      deploymentId: deployment.deploymentId,
    });

    expect((await get(url!)).status).toBe(503);
  });

  it('starts one container for a run deployed twice', async () => {
    const runId = ulid();
    const request = { runId, app: 'twice', service: serviceRef('twice'), image: images.v1.name };

    const [first, second] = await Promise.all([main.service.deploy(request), main.service.deploy(request)]);
    await waitForRollout(main.service, 'twice', first.deploymentId);
    const third = await main.service.deploy(request);

    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await containers(main.stack, 'twice')).toHaveLength(1);
  });

  it('keeps the URL and the serving version across a restart', async () => {
    const stack = await newStack();
    const before = await deployAndWait(stack.service, 'restart', images.v1.name);
    await stack.service.stop({ removeContainers: false });

    stack.service = new DockerContainerService({ stateDir: stack.stateDir, stack: stack.stack, pollMs: 100 });
    await stack.service.start();

    expect(await get(before.url!)).toEqual({ status: 200, body: images.v1.content });
  });

  it('removes every container of the stack on stop({ removeContainers: true })', async () => {
    const stack = await newStack();
    await deployAndWait(stack.service, 'doomed', images.v1.name);
    await stack.service.deploy({
      runId: ulid(),
      app: 'doomed',
      service: serviceRef('doomed', 30),
      image: images.silent.name,
    });

    await stack.service.stop({ removeContainers: true });

    expect(await containers(stack.stack)).toEqual([]);
  });

  it('fails a rollout still in progress when the stack stops with removeContainers', async () => {
    const stack = await newStack();
    const deployment = await stack.service.deploy({
      runId: ulid(),
      app: 'cut',
      service: serviceRef('cut', 30),
      image: images.silent.name,
    });

    await stack.service.stop({ removeContainers: true });

    const status = await stack.service.rollout({
      app: 'cut',
      service: serviceRef('cut'),
      deploymentId: deployment.deploymentId,
    });
    expect(status).toMatchObject({ state: 'FAILED', runningCount: 0 });
    expect(status.reason).toContain('the local stack was stopped');
  });

  it('leaves containers of other stacks alone on stop({ removeContainers: true })', async () => {
    const stack = await newStack();
    await deployAndWait(stack.service, 'neighbour', images.v1.name);
    const decoy = (
      await docker('run', '-d', '--label', `slipway.stack=other-${tag}`, 'busybox:latest', 'sleep', '3600')
    ).trim();
    decoys.push(decoy);

    await stack.service.stop({ removeContainers: true });

    expect((await docker('inspect', '--format', '{{.State.Running}}', decoy)).trim()).toBe('true');
  });
});

async function newStack(): Promise<Stack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-cs-state-'));
  const stack = `cs-test-${tag}-${stacks.length}`;
  const created = { service: new DockerContainerService({ stateDir, stack, pollMs: 100 }), stack, stateDir };
  stacks.push(created);
  await created.service.start();
  return created;
}

function deployAndWait(
  service: DockerContainerService,
  app: string,
  image: string,
  timeoutSeconds = 30,
): Promise<RolloutStatus> {
  return deployWith(service, app, image, { timeoutSeconds });
}
