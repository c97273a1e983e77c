import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunInput } from '../../../src/domain/run-state.ts';
import { runView } from '../../../src/domain/run-view.ts';
import type { ContainerService, RolloutStatus } from '../../../src/ports/container-service.ts';
import { fakeDependencies, type FakeObjects } from '../../support/fakes.ts';
import { INPUT, localWorkflow, runToEnd } from '../../support/run-machine.ts';

const OLDER: RunInput = INPUT;
const NEWER_ID = '01JDQ9000000000000000000AB';
const NEWER: RunInput = {
  ...INPUT,
  runId: NEWER_ID,
  context: { key: `contexts/hello/${NEWER_ID}.tar.gz`, bucket: 'ctx' },
};

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/** The run's view once it has ended (polled, not idle(): the other run may still be looping). */
async function ended(workflow: Awaited<ReturnType<typeof localWorkflow>>, runId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const history = await workflow.history(runId);
    if (history && history.status !== 'RUNNING') return runView(history);
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after 10s`);
    await sleep(5);
  }
}

describe('state machine: newest wins', () => {
  let deps: ReturnType<typeof fakeDependencies>;

  beforeEach(async () => {
    deps = fakeDependencies();
    for (const input of [OLDER, NEWER])
      await (deps.objects as FakeObjects).put({ key: input.context.key, body: new Uint8Array(10), metadata: {} });
  });

  it('ends an older run that reaches Deploy after a newer one SUPERSEDED, and the newer one serves', async () => {
    const workflow = await localWorkflow(deps);
    const newer = runView(await runToEnd(workflow, NEWER));
    const older = runView(await runToEnd(workflow, OLDER));

    expect(newer.status).toBe('SUCCEEDED');
    expect(older.status).toBe('SUPERSEDED');
    expect(older.superseded).toMatchObject({ by: NEWER_ID, step: 'deploy' });
    expect(older.error).toBeUndefined();
    expect(older.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SUCCEEDED'],
      ['lifecycle', 'SUCCEEDED'],
      ['deploy', 'SUCCEEDED'],
      ['rollout', 'SKIPPED'],
    ]);
    expect(deps.containers.deployed.map((d) => d.runId)).toEqual([NEWER_ID]);
  });

  it('ends an older run still rolling out SUPERSEDED once a newer one deploys over it', async () => {
    // The older run's first rollout check answers once the newer run has moved the service: replaced, so it looks failed.
    let newerDeployed: () => void = () => undefined;
    const replaced = new Promise<void>((resolve) => (newerDeployed = resolve));
    const deploy = deps.containers.deploy.bind(deps.containers);
    deps.containers.deploy = async (request) => {
      const deployment = await deploy(request);
      if (request.runId === NEWER_ID) newerDeployed();
      return deployment;
    };
    (deps.containers as ContainerService).rollout = async ({ deploymentId }): Promise<RolloutStatus> => {
      if (deploymentId === 'dep-2') return { state: 'COMPLETED', runningCount: 1, desiredCount: 1 };
      await replaced;
      return { state: 'FAILED', reason: 'replaced', runningCount: 0, desiredCount: 1 };
    };
    const workflow = await localWorkflow(deps);
    await workflow.start(OLDER);
    await until(() => deps.containers.deployed.length === 1, 'the older run deploys');
    await workflow.start(NEWER);
    const [older, newer] = await Promise.all([ended(workflow, OLDER.runId), ended(workflow, NEWER_ID)]);

    expect(newer.status).toBe('SUCCEEDED');
    expect(older.status).toBe('SUPERSEDED');
    expect(older.superseded).toMatchObject({ by: NEWER_ID, step: 'rollout' });
    expect(deps.containers.deployed.map((d) => d.runId)).toEqual([OLDER.runId, NEWER_ID]);
  });

  it('deploys a rollback, a new run, over the runs before it', async () => {
    const workflow = await localWorkflow(deps);
    await runToEnd(workflow, OLDER);
    const rollbackId = '01JDQA000000000000000000AB';
    const rollback: RunInput = {
      ...OLDER,
      runId: rollbackId,
      trigger: { kind: 'rollback' },
      image: {
        repository: 'registry.example/hello',
        digest: `sha256:${'cd'.repeat(32)}`,
        tags: [],
        reference: `registry.example/hello@sha256:${'cd'.repeat(32)}`,
      },
    };
    expect(runView(await runToEnd(workflow, rollback)).status).toBe('SUCCEEDED');
    expect(runView(await runToEnd(workflow, NEWER)).status).toBe('SUPERSEDED');
  });
});
