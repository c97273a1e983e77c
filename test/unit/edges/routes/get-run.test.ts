import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ExecutionHistory } from '../../../../src/domain/execution.ts';
import { getRunRoute } from '../../../../src/edges/routes/get-run.ts';
import type { RolloutStatus } from '../../../../src/ports/container-service.ts';
import type { Workflow } from '../../../../src/ports/workflow.ts';
import { FakeContainers, silentLogger, testConfig } from '../../../support/fakes.ts';
import { RUN_ID } from '../../../support/run-machine.ts';

const T = '2026-11-30T10:00:00.000Z';
const finished: ExecutionHistory = {
  runId: RUN_ID,
  app: 'hello',
  status: 'SUCCEEDED',
  startedAt: T,
  input: {},
  events: [{ type: 'ExecutionStarted', timestamp: T, input: {} }],
};
const deployment = {
  id: 'dep-1',
  taskDefinition: 'hello:2',
  revision: 2,
  state: 'IN_PROGRESS',
  deadline: '2026-11-30T11:00:00.000Z',
};
/** A run waiting in AwaitRollout: Deploy's output carries the deployment as it began. */
const rollingOut: ExecutionHistory = {
  runId: RUN_ID,
  app: 'hello',
  status: 'RUNNING',
  startedAt: T,
  input: { runId: RUN_ID, app: 'hello' },
  events: [
    { type: 'ExecutionStarted', timestamp: T, input: {} },
    { type: 'StateEntered', timestamp: T, state: 'Deploy', input: {} },
    { type: 'StateExited', timestamp: T, state: 'Deploy', output: { runId: RUN_ID, app: 'hello', deployment } },
    { type: 'StateEntered', timestamp: T, state: 'AwaitRollout', input: {} },
  ],
};

function event(headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return { pathParameters: { id: RUN_ID }, headers } as unknown as APIGatewayProxyEventV2;
}

/**
 * A workflow answering `history`. Where it can wait, `waitedMs` records how long each wait was allowed, and
 * each wait ends with news (one more event), so an answer waits once.
 */
function workflow(canWait: boolean, history = finished): Workflow & { waitedMs: number[] } {
  const waitedMs: number[] = [];
  const current = structuredClone(history);
  return {
    waitedMs,
    start: async () => ({ started: false }),
    resume: async () => false,
    history: async () => current,
    list: async () => [],
    ...(canWait && {
      changed: async (_runId: string, _seen: number, timeoutMs: number) => {
        waitedMs.push(timeoutMs);
        current.events.push({ type: 'StateRetried', timestamp: T, state: 'AwaitRollout', attempt: 1 });
      },
    }),
  };
}

function deps(
  flow: Workflow,
  rollouts: RolloutStatus[] = [{ state: 'IN_PROGRESS', runningCount: 0, desiredCount: 1 }],
) {
  return { workflow: flow, config: testConfig(), containers: new FakeContainers(rollouts), logger: silentLogger };
}

describe('GET /runs/{id}', () => {
  it("answers the run with its history's version as ETag", async () => {
    const answer = await getRunRoute(event(), deps(workflow(true)));

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"' });
  });

  it('says it honoured a wait where the workflow can wait', async () => {
    const answer = await getRunRoute(
      event({ 'If-None-Match': '"0-RUNNING"', Prefer: 'wait=60' }),
      deps(workflow(true)),
    );

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"', 'preference-applied': 'wait=20' });
  });

  it('says nothing of a wait where the workflow cannot wait', async () => {
    const answer = await getRunRoute(
      event({ 'if-none-match': '"0-RUNNING"', prefer: 'wait=10' }),
      deps(workflow(false)),
    );

    expect(answer.headers).toEqual({ etag: '"1-SUCCEEDED"' });
  });

  it("shows a rollout's counts as the service tells them while the run waits for it, in the body and the ETag", async () => {
    const answer = await getRunRoute(
      event(),
      deps(workflow(false, rollingOut), [{ state: 'IN_PROGRESS', runningCount: 1, desiredCount: 2 }]),
    );

    expect(answer.body.deployment).toEqual({ ...deployment, runningCount: 1, desiredCount: 2 });
    expect(answer.headers.etag).toBe('"4-RUNNING/1/2"');
  });

  it('waits at most a second for news while a rollout is under way, since its counts change without the history', async () => {
    const flow = workflow(true, rollingOut);

    await getRunRoute(event({ 'If-None-Match': '"4-RUNNING/0/2"', Prefer: 'wait=20' }), deps(flow));
    await getRunRoute(event({ 'If-None-Match': '"5-RUNNING"', Prefer: 'wait=20' }), deps(flow));

    expect(flow.waitedMs).toHaveLength(2);
    expect(flow.waitedMs[0]).toBeLessThanOrEqual(1_000);
    expect(flow.waitedMs[1]).toBeGreaterThan(1_000);
  });

  it('answers the run as its history has it when the service cannot tell the counts', async () => {
    const containers = new FakeContainers();
    containers.rollout = async () => {
      throw new Error('ECS is unreachable');
    };

    const answer = await getRunRoute(event(), { ...deps(workflow(false, rollingOut)), containers });

    expect(answer.body.deployment).toEqual(deployment);
    expect(answer.headers.etag).toBe('"4-RUNNING"');
  });

  it.each([
    ['a finished run', finished],
    ['a run not yet rolling out', { ...rollingOut, events: rollingOut.events.slice(0, 2) } satisfies ExecutionHistory],
  ])('does not ask the service about %s', async (_name, history) => {
    const containers = new FakeContainers();
    containers.rollout = async () => {
      throw new Error('not to be asked');
    };
    const warnings: string[] = [];

    await getRunRoute(event(), {
      ...deps(workflow(false, history)),
      containers,
      logger: { ...silentLogger, warn: (message: string) => void warnings.push(message) },
    });

    expect(warnings).toEqual([]);
  });
});
