import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LocalStepFunctionsWorkflow } from '../../../../src/adapters/local/local-workflow.ts';
import type { ExecutionHistory } from '../../../../src/domain/execution.ts';
import type { RunInput } from '../../../../src/domain/run-state.ts';
import { silentLogger } from '../../../support/fakes.ts';

const INPUT: RunInput = {
  runId: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: 'contexts/hello/01JDQ8ZV7N2W4Y6A8C0E2G4J6M.tar.gz' },
};

/** One callback Task, as the ASL's waits are: its Payload carries the state and the token; a failure goes to Caught. */
const DEFINITION = {
  StartAt: 'Await',
  States: {
    Await: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:await',
        Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 1,
      Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, MaxAttempts: 1, BackoffRate: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
};

type Payload = { state: RunInput; taskToken: string };

async function workflowWith(handler: (payload: Payload) => Promise<unknown>) {
  return new LocalStepFunctionsWorkflow({
    definition: DEFINITION,
    handlers: { Await: (input) => handler(input as Payload) },
    stateDir: join(await mkdtemp(join(tmpdir(), 'slipway-local-workflow-')), 'executions'),
    retryOverrides: { Await: 0 },
    logger: silentLogger,
  });
}

async function ended(workflow: LocalStepFunctionsWorkflow): Promise<ExecutionHistory> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const history = await workflow.history(INPUT.runId);
    if (history && history.status !== 'RUNNING') return history;
    if (Date.now() > deadline) throw new Error('the run did not end');
    await sleep(5);
  }
}

async function waiting(workflow: LocalStepFunctionsWorkflow): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (workflow.waitingOn(INPUT.runId) !== 'Await') {
    if (Date.now() > deadline) throw new Error('the run never waited');
    await sleep(5);
  }
}

describe('LocalStepFunctionsWorkflow: callback Tasks', () => {
  it("hands the Task's function its Payload with the attempt's token, and waits for resume", async () => {
    const payloads: Payload[] = [];
    const workflow = await workflowWith(async (payload) => void payloads.push(payload));

    await workflow.start(INPUT);
    await waiting(workflow);
    expect(payloads).toEqual([{ state: INPUT, taskToken: expect.any(String) }]);
    expect(await workflow.resume(payloads[0]!.taskToken, { output: { ...INPUT, resumed: true } })).toBe(true);

    const history = await ended(workflow);
    expect(history.status).toBe('SUCCEEDED');
    expect(history.events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', output: { resumed: true } });
  });

  it('ends the Task with the failure resumed with, for its Catch', async () => {
    const workflow = await workflowWith(async (payload) => {
      await workflow.resume(payload.taskToken, { error: { name: 'BuildFailedError', message: 'failed in BUILD' } });
    });

    await workflow.start(INPUT);

    const history = await ended(workflow);
    expect(history.events).toContainEqual(
      expect.objectContaining({ type: 'StateFailed', state: 'Await', error: 'BuildFailedError' }),
    );
    expect(history.events.at(-1)).toMatchObject({
      type: 'ExecutionSucceeded',
      output: { error: { Error: 'BuildFailedError', Cause: 'failed in BUILD' } },
    });
  });

  it('answers false to a token no Task waits on: unknown, or its run over', async () => {
    let token = '';
    const workflow = await workflowWith(async (payload) => {
      token = payload.taskToken;
      await workflow.resume(token, { output: INPUT });
    });

    await workflow.start(INPUT);
    await ended(workflow);

    expect(await workflow.resume('local-task-token:01JDQ8ZV7N2W4Y6A8C0E2G4J60', { output: {} })).toBe(false);
    expect(await workflow.resume(token, { output: INPUT })).toBe(false);
    expect(workflow.waitingOn(INPUT.runId)).toBeUndefined();
  });

  it("runs the function again after the Task's timeout (its Retry), and that attempt may be resumed", async () => {
    let attempts = 0;
    const workflow = await workflowWith(async (payload) => {
      attempts += 1;
      if (attempts === 2) await workflow.resume(payload.taskToken, { output: INPUT });
    });

    await workflow.start(INPUT);

    const history = await ended(workflow);
    expect(attempts).toBe(2);
    expect(history.status).toBe('SUCCEEDED');
    expect(history.events).toContainEqual(
      expect.objectContaining({ type: 'StateFailed', state: 'Await', error: 'States.Timeout' }),
    );
  });

  it('gives each attempt its own token, as Step Functions does: a resume meant for the attempt that timed out ends nothing', async () => {
    const tokens: string[] = [];
    const workflow = await workflowWith(async (payload) => void tokens.push(payload.taskToken));

    await workflow.start(INPUT);
    const deadline = Date.now() + 10_000;
    while (tokens.length < 2 || workflow.waitingOn(INPUT.runId) !== 'Await') {
      if (Date.now() > deadline) throw new Error('the Task was not retried');
      await sleep(5);
    }

    expect(new Set(tokens).size).toBe(2);
    expect(await workflow.resume(tokens[0]!, { output: { ...INPUT, late: true } })).toBe(false);
    expect(workflow.waitingOn(INPUT.runId)).toBe('Await');
    expect(await workflow.resume(tokens[1]!, { output: INPUT })).toBe(true);
    expect(await workflow.resume(tokens[1]!, { output: INPUT })).toBe(false);
    expect((await ended(workflow)).status).toBe('SUCCEEDED');
  });
});
