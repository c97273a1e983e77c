import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LABEL,
  type DockerCli,
  type ListedContainer,
} from '../../../../src/adapters/local/container-service/docker.ts';
import type { AppProxy } from '../../../../src/adapters/local/container-service/proxy.ts';
import {
  Rollouts,
  type DeploymentChange,
  type RolloutsOptions,
} from '../../../../src/adapters/local/container-service/rollouts.ts';
import { StateStore, type DeploymentRecord } from '../../../../src/adapters/local/container-service/state-store.ts';
import type { TaskLauncher } from '../../../../src/adapters/local/container-service/task-launcher.ts';
import { silentLogger } from '../../../support/fakes.ts';

/**
 * The rollout procedure over stand-ins for the engine, the launcher and the proxy: what it does when the
 * engine misbehaves around it. The contract tests (test/contract/container-service.*) run it on a real engine.
 */
describe('Rollouts', () => {
  let dir: string;
  let store: StateStore;
  const changes: DeploymentChange[] = [];
  const removed: string[] = [];
  const targets = new Set<number>([5000]);
  /** The old revision's container, serving on port 5000; the new one's starts as `new-1` on 5001. */
  const containers: ListedContainer[] = [];
  let removal: (ids: readonly string[]) => Promise<void>;

  const docker = {
    list: async (labels: Record<string, string>) =>
      containers.filter(
        (c) => (labels[LABEL.deployment] ?? c.deployment) === c.deployment && (labels[LABEL.app] ?? c.app) === c.app,
      ),
    remove: (ids: readonly string[]) => removal(ids),
    tailLogs: async () => [],
  } as unknown as DockerCli;
  const launcher = {
    start: async () => {
      containers.push({ id: 'new-1', running: true, app: 'hello', revision: 2, deployment: 'dep-2' });
      return { id: 'new-1', secretValues: [] };
    },
    waitHealthy: async () => ({ kind: 'healthy', hostPort: 5001 }),
    running: async () => [],
  } as unknown as TaskLauncher;
  const proxy = {
    port: 8080,
    get targets() {
      return [...targets];
    },
    addTarget: (port: number) => void targets.add(port),
    removeTarget: (port: number) => void targets.delete(port),
    drain: async () => undefined,
  } as unknown as AppProxy;

  const record = (): DeploymentRecord => ({
    deploymentId: 'dep-2',
    runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
    app: 'hello',
    image: '127.0.0.1:5000/hello@sha256:' + 'b'.repeat(64),
    container: 'app',
    port: 8080,
    healthCheck: { path: '/', timeoutSeconds: 30 },
    revision: 2,
    taskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/hello:2',
    desiredCount: 1,
    state: 'IN_PROGRESS',
    createdAt: '2026-11-30T10:00:00.000Z',
  });

  const rolloutsOptions = (): RolloutsOptions => ({
    docker,
    store,
    stack: 'test',
    launcher,
    now: () => new Date('2026-11-30T10:00:01.000Z'),
    logger: silentLogger,
    exclusive: (_app, step) => step(),
    proxyFor: async () => proxy,
    openedProxy: async () => proxy,
    onDeploymentChange: (change) => void changes.push(change),
  });
  const rollouts = () => new Rollouts(rolloutsOptions());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-rollouts-'));
    store = new StateStore(dir);
    changes.length = 0;
    removed.length = 0;
    targets.clear();
    targets.add(5000);
    containers.length = 0;
    containers.push({ id: 'old-1', running: true, app: 'hello', revision: 1, deployment: 'dep-1' });
    removal = async (ids) => void removed.push(...ids);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Until the rollout and the clean-up after it have ended. */
  const settle = async (parts: Rollouts) => {
    for (let work = parts.inFlight(); work.length > 0; work = parts.inFlight()) await Promise.all(work);
  };
  const rollOut = async (deployment: DeploymentRecord) => {
    const parts = rollouts();
    parts.follow(deployment, new AbortController().signal);
    await settle(parts);
  };

  it('completes: the new container serves, then the old one is retired', async () => {
    const deployment = record();

    await rollOut(deployment);

    expect(changes.map((c) => c.state)).toEqual(['COMPLETED']);
    expect((await store.readDeployment('hello', 'dep-2'))?.state).toBe('COMPLETED');
    expect([...targets]).toEqual([5001]);
    expect(removed).toEqual(['old-1']);
  });

  it('reports COMPLETED before it stops the old container, and is no longer under way while it waits to', async () => {
    const removedWhenCompleted: string[][] = [];
    const parts = new Rollouts({
      ...rolloutsOptions(),
      deregistrationDelayMs: 50,
      onDeploymentChange: (change) => {
        changes.push(change);
        removedWhenCompleted.push([...removed]);
      },
    });

    parts.follow(record(), new AbortController().signal);
    await Promise.all(parts.inFlight()); // the rollout itself

    expect(changes.map((c) => c.state)).toEqual(['COMPLETED']);
    expect(removedWhenCompleted).toEqual([[]]);
    expect(parts.underWay('hello')).toBe(false); // a deploy now may find the new revision already serving
    expect([...targets]).toEqual([5001]); // the old container is out of the URL at once
    expect(removed).toEqual([]);
    await settle(parts);
    expect(removed).toEqual(['old-1']);
  });

  it.each([
    [{ fresh: true }, 'just created', 0],
    [{}, 'resumed after a restart', 1],
  ])(
    'asks the engine for the containers of a deployment %o (%s) %d time(s) before starting one',
    async (options, _, times) => {
      const asked: Record<string, string>[] = [];
      const listing = {
        ...docker,
        list: async (labels: Record<string, string>) => (asked.push(labels), docker.list(labels)),
      };
      const parts = new Rollouts({ ...rolloutsOptions(), docker: listing as unknown as DockerCli });

      parts.follow(record(), new AbortController().signal, options);
      await settle(parts);

      expect(asked.filter((labels) => labels[LABEL.deployment] === 'dep-2')).toHaveLength(times);
      expect(changes.map((c) => c.state)).toEqual(['COMPLETED']);
    },
  );

  it('stays COMPLETED, its container serving, when the old containers cannot be removed', async () => {
    removal = async (ids) => {
      if (ids.includes('old-1')) throw new Error('removal of container old-1 is already in progress');
      removed.push(...ids);
    };
    const deployment = record();

    await rollOut(deployment);

    expect(changes.map((c) => c.state)).toEqual(['COMPLETED']);
    expect((await store.readDeployment('hello', 'dep-2'))?.state).toBe('COMPLETED');
    expect([...targets]).toEqual([5001]);
    expect(removed).not.toContain('new-1');
  });

  it('says a rollout of the app is under way from its start to its end, and none for other apps', async () => {
    let healthy!: () => void;
    const slowLauncher = {
      ...launcher,
      waitHealthy: () => new Promise((resolve) => (healthy = () => resolve({ kind: 'healthy', hostPort: 5001 }))),
    } as unknown as TaskLauncher;
    const parts = new Rollouts({ ...rolloutsOptions(), launcher: slowLauncher });

    parts.follow(record(), new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const during = [parts.underWay('hello'), parts.underWay('hell'), parts.underWay('other')];
    healthy();
    await Promise.all(parts.inFlight());

    expect(during).toEqual([true, false, false]);
    expect(parts.underWay('hello')).toBe(false);
  });
});
