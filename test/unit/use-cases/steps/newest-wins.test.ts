import { describe, expect, it } from 'vitest';
import {
  claimMarker,
  deployMarkerKey,
  parseDeployMarker,
  type DeployMarker,
} from '../../../../src/domain/deploy-guard.ts';
import type { RunState } from '../../../../src/domain/run-state.ts';
import { checkRollout } from '../../../../src/use-cases/steps/check-rollout.ts';
import { deploy } from '../../../../src/use-cases/steps/deploy.ts';
import { claimDeploy } from '../../../../src/use-cases/steps/deploy-guard.ts';
import { DIGEST, fakeDependencies, FakeContainers } from '../../../support/fakes.ts';
import { INPUT } from '../../../support/run-machine.ts';

const NEWER = '01JDQ9000000000000000000AB';
const OLDER = '01JDQ8000000000000000000AB';
const KEY = deployMarkerKey('hello');
const built: RunState = {
  ...INPUT,
  image: {
    repository: 'registry.example/hello',
    digest: DIGEST,
    tags: [INPUT.runId],
    reference: `registry.example/hello@${DIGEST}`,
  },
};
const deployed: RunState = {
  ...built,
  deployment: {
    id: 'dep-1',
    taskDefinition: 'hello:2',
    revision: 2,
    state: 'IN_PROGRESS',
    deadline: '2026-11-30T10:05:00Z',
  },
};

async function withMarker(deps: ReturnType<typeof fakeDependencies>, marker: DeployMarker): Promise<void> {
  await deps.objects.putIf(
    { key: KEY, body: new TextEncoder().encode(JSON.stringify(marker)), contentType: 'application/json' },
    { ifNoneMatch: '*' },
  );
}

async function markerOf(deps: ReturnType<typeof fakeDependencies>): Promise<DeployMarker | undefined> {
  const current = await deps.objects.getVersion(KEY);
  return current && parseDeployMarker(new TextDecoder().decode(current.body));
}

describe('Deploy (newest wins)', () => {
  it('claims the service, moves it, then ends its lease', async () => {
    const deps = fakeDependencies();
    const next = await deploy(built, deps);
    expect(deps.containers.deployed).toHaveLength(1);
    expect(next.deployment).toBeDefined();
    expect(await markerOf(deps)).toMatchObject({ runId: INPUT.runId, phase: 'updated' });
  });

  it('claims the service and, finding it already running the image, ends its lease and the run unchanged', async () => {
    const deps = fakeDependencies();
    deps.containers.serving_ = {
      image: built.image!.reference,
      taskDefinition: 'hello:3',
      revision: 3,
      url: 'http://127.0.0.1:9999',
    };

    const next = await deploy(built, deps);

    expect(next.unchanged).toEqual({
      digest: DIGEST,
      taskDefinition: 'hello:3',
      revision: 3,
      url: 'http://127.0.0.1:9999',
      message: `unchanged: ${DIGEST} already serves`,
    });
    expect(next.skipped).toEqual({ deploy: next.unchanged?.message, rollout: next.unchanged?.message });
    expect(next.deployment).toBeUndefined();
    expect(await markerOf(deps)).toMatchObject({ runId: INPUT.runId, phase: 'updated' });
  });

  it('ends its lease when moving the service fails, so a newer run need not wait for it', async () => {
    const deps = fakeDependencies();
    deps.containers.deploy = async () => Promise.reject(new Error('UpdateService refused'));
    await expect(deploy(built, deps)).rejects.toThrow('UpdateService refused');
    expect(await markerOf(deps)).toMatchObject({ runId: INPUT.runId, phase: 'updated' });
  });

  it('does not move the service once a newer run has claimed it', async () => {
    const deps = fakeDependencies();
    await withMarker(deps, { ...claimMarker(NEWER, deps.clock.now()), phase: 'updated' });
    const next = await deploy(built, deps);
    expect(next.superseded).toEqual({ by: NEWER, at: deps.clock.now().toISOString(), step: 'deploy' });
    expect(next.deployment).toBeUndefined();
    expect(deps.containers.deployed).toEqual([]);
    expect(await markerOf(deps)).toMatchObject({ runId: NEWER });
  });

  it('waits its turn while an older run is moving the service', async () => {
    const deps = fakeDependencies();
    await withMarker(deps, claimMarker(OLDER, deps.clock.now()));
    const next = await deploy(built, deps);
    expect(next.deployTurn).toMatchObject({ holder: OLDER });
    expect(deps.containers.deployed).toEqual([]);
  });

  it('takes over from an older run whose lease expired, and drops the turn it waited for', async () => {
    const deps = fakeDependencies();
    await withMarker(deps, claimMarker(OLDER, new Date(deps.clock.now().getTime() - 10 * 60_000)));
    const next = await deploy({ ...built, deployTurn: { holder: OLDER, until: '2026-11-30T09:52:00Z' } }, deps);
    expect(deps.containers.deployed).toHaveLength(1);
    expect(next.deployTurn).toBeUndefined();
  });

  it('lets exactly the newest of two runs claiming at once go ahead', async () => {
    const deps = fakeDependencies();
    const [older, newer] = await Promise.all([claimDeploy('hello', OLDER, deps), claimDeploy('hello', NEWER, deps)]);
    // Either the newer claimed first (the older is superseded) or the older did (the newer waits for its lease).
    expect([older.action, newer.action].sort()).toEqual(
      older.action === 'superseded' ? ['claimed', 'superseded'] : ['claimed', 'wait'],
    );
    expect(await markerOf(deps)).toMatchObject({
      runId: older.action === 'superseded' ? NEWER : OLDER,
      phase: 'updating',
    });
  });
});

describe('CheckRollout (newest wins)', () => {
  it('ends superseded, without a release, once a newer run has claimed the service', async () => {
    const deps = fakeDependencies({
      containers: new FakeContainers([{ state: 'COMPLETED', runningCount: 1, desiredCount: 1 }]),
    });
    await withMarker(deps, claimMarker(NEWER, deps.clock.now()));
    const next = await checkRollout(deployed, deps);
    expect(next.superseded).toMatchObject({ by: NEWER, step: 'rollout' });
    expect(next.release).toBeUndefined();
  });

  it('ends superseded, not failed, when the newer run made its rollout fail', async () => {
    const deps = fakeDependencies({
      containers: new FakeContainers([
        { state: 'FAILED', reason: 'replaced by a newer deployment', runningCount: 0, desiredCount: 1 },
      ]),
    });
    await withMarker(deps, claimMarker(NEWER, deps.clock.now()));
    await expect(checkRollout(deployed, deps)).resolves.toMatchObject({ superseded: { by: NEWER } });
  });

  it('ends superseded, not failed, when its deployment is gone', async () => {
    const deps = fakeDependencies();
    deps.containers.rollout = async () => Promise.reject(new Error('no deployment dep-1'));
    await withMarker(deps, claimMarker(NEWER, deps.clock.now()));
    await expect(checkRollout(deployed, deps)).resolves.toMatchObject({ superseded: { by: NEWER } });
  });

  it('still fails a rollout that failed while it is the newest run', async () => {
    const deps = fakeDependencies({
      containers: new FakeContainers([{ state: 'FAILED', reason: 'health check', runningCount: 0, desiredCount: 1 }]),
    });
    await withMarker(deps, { ...claimMarker(INPUT.runId, deps.clock.now()), phase: 'updated' });
    await expect(checkRollout(deployed, deps)).rejects.toMatchObject({ name: 'RolloutFailedError' });
  });
});
