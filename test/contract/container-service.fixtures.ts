import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ulid } from 'ulid';
import type { DockerContainerService } from '../../src/adapters/local/container-service/index.ts';
import type { RolloutStatus, ServiceRef, TaskSettings } from '../../src/ports/container-service.ts';

// Shared by the local container-service contract files: the real engine, test images built FROM busybox:latest.
export const DOCKER = '/usr/bin/docker';

export interface TestImage {
  name: string;
  /** Dockerfile lines after `COPY www /www` (CMD, ENV). */
  cmd: string;
  /** /www/index.html */
  content: string;
}

export const HTTPD = 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]';

/** An image whose index page says `<version> <hostname>` (the hostname is the container's short id). */
export function whoImage(name: string, version: string): TestImage {
  return {
    name,
    cmd: `ENV VERSION=${version}\nCMD ["sh", "-c", "echo \\"$VERSION $(hostname)\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]`,
    content: '',
  };
}

export function serviceRef(app: string, timeoutSeconds = 30): ServiceRef {
  return {
    cluster: 'default',
    name: app,
    container: app,
    port: 8080,
    healthCheck: { path: '/healthz', timeoutSeconds },
  };
}

export function taskSettings(overrides: Partial<TaskSettings> = {}): TaskSettings {
  return { cpu: 256, memory: 512, desiredCount: 1, environment: {}, secrets: {}, architecture: 'X86_64', ...overrides };
}

export async function deployAndWait(
  service: DockerContainerService,
  app: string,
  image: string,
  options: { timeoutSeconds?: number; task?: TaskSettings } = {},
): Promise<RolloutStatus> {
  const deployment = await service.deploy({
    runId: ulid(),
    app,
    service: serviceRef(app, options.timeoutSeconds),
    image,
    ...(options.task ? { task: options.task } : {}),
  });
  return waitForRollout(service, app, deployment.deploymentId);
}

export async function waitForRollout(
  service: DockerContainerService,
  app: string,
  deploymentId: string,
): Promise<RolloutStatus> {
  return pollUntil(
    () => service.rollout({ app, service: serviceRef(app), deploymentId }),
    (status) => status.state !== 'IN_PROGRESS',
    `rollout ${deploymentId} of ${app} to finish`,
  );
}

/** Calls `read` until `done` holds for what it returns, or throws after the deadline. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  deadlineMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`waited ${deadlineMs / 1000}s for ${what}; last: ${JSON.stringify(value)}`);
    await delay(100);
  }
}

export async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

/** The stack's containers (of one app when given), as revision and image. */
export async function containers(stack: string, app?: string): Promise<{ revision: string; image: string }[]> {
  return (await listContainers(stack, app)).map(({ revision, image }) => ({ revision, image }));
}

export async function listContainers(
  stack: string,
  app?: string,
): Promise<{ id: string; revision: string; image: string; running: boolean }[]> {
  const filters = [
    '--filter',
    `label=slipway.stack=${stack}`,
    ...(app ? ['--filter', `label=slipway.app=${app}`] : []),
  ];
  const out = await docker(
    'ps',
    '-a',
    '--no-trunc',
    ...filters,
    '--format',
    '{{.ID}}\t{{.Label "slipway.revision"}}\t{{.Image}}\t{{.State}}',
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', revision = '', image = '', state = ''] = line.split('\t');
      return { id, revision, image, running: state === 'running' };
    });
}

export async function buildImage(image: TestImage): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cs-image-'));
  try {
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'www', 'index.html'), image.content);
    await writeFile(join(dir, 'www', 'healthz'), 'ok\n');
    await writeFile(join(dir, 'Dockerfile'), `FROM busybox:latest\nCOPY www /www\n${image.cmd}\n`);
    await docker('build', '-q', '-t', image.name, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/** Removes what a test stack left: its containers (by its own label only) and its state folder. */
export async function removeStack(stack: {
  service: DockerContainerService;
  stack: string;
  stateDir: string;
}): Promise<void> {
  await stack.service.stop({ removeContainers: true }).catch(() => undefined);
  const left = (await docker('ps', '-aq', '--filter', `label=slipway.stack=${stack.stack}`))
    .split('\n')
    .filter(Boolean);
  if (left.length) await docker('rm', '-f', ...left);
  await rm(stack.stateDir, { recursive: true, force: true });
}

export async function probeEngine(): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    await docker('info', '--format', '{{.ServerVersion}}');
  } catch (error) {
    return { ok: false, why: `the Docker engine does not answer at ${DOCKER}: ${(error as Error).message.trim()}` };
  }
  try {
    await docker('image', 'inspect', 'busybox:latest');
  } catch {
    return { ok: false, why: 'the busybox:latest image is missing' };
  }
  return { ok: true };
}
