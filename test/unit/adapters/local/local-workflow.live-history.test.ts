import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStepFunctionsWorkflow } from '../../../../src/adapters/local/local-workflow.ts';
import type { ExecutionHistory } from '../../../../src/domain/execution.ts';
import { silentLogger } from '../../../support/fakes.ts';
import { INPUT } from '../../../support/run-machine.ts';

/** Three Task states in a row, each answering at once: many events in a short time. */
const definition = {
  StartAt: 'One',
  States: {
    One: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:one', Next: 'Two' },
    Two: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:two', Next: 'Three' },
    Three: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:three', End: true },
  },
};

async function threeTasks(handlers: Record<string, (input: unknown) => Promise<unknown>>) {
  const stateDir = join(await mkdtemp(join(tmpdir(), 'slipway-workflow-')), 'executions');
  const echo = async (input: unknown) => input;
  return {
    stateDir,
    workflow: new LocalStepFunctionsWorkflow({
      definition,
      handlers: { One: echo, Two: echo, Three: echo, ...handlers },
      stateDir,
      logger: silentLogger,
    }),
  };
}

/** A started run whose task Two runs until `release()`; `seen`, its event count once Two is its last event, entered. */
async function waitingInTwo() {
  let release: () => void = () => undefined;
  const { workflow } = await threeTasks({
    Two: (input) => new Promise((resolve) => (release = () => resolve(input))),
  });
  await workflow.start(INPUT);
  const entered = () =>
    workflow.history(INPUT.runId).then((h) => {
      const last = h!.events.at(-1);
      return last?.type === 'StateEntered' && last.state === 'Two';
    });
  while (!(await entered())) await new Promise((resolve) => setTimeout(resolve, 5));
  const seen = (await workflow.history(INPUT.runId))!.events.length;
  return { workflow, release: () => release(), seen };
}

describe('LocalStepFunctionsWorkflow, its live history', () => {
  it('writes every event and the final status to the run file once the run has ended', async () => {
    const { stateDir, workflow } = await threeTasks({});

    await workflow.start(INPUT);
    await workflow.idle();

    const saved = JSON.parse(await readFile(join(stateDir, `${INPUT.runId}.json`), 'utf8')) as ExecutionHistory;
    expect(saved.status).toBe('SUCCEEDED');
    expect(saved.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      ...['One', 'Two', 'Three'].flatMap(() => ['StateEntered', 'StateExited']),
      'ExecutionSucceeded',
    ]);
  });

  it('shows a state as entered while its task still runs', async () => {
    let release: () => void = () => undefined;
    const { workflow } = await threeTasks({
      Two: (input) => new Promise((resolve) => (release = () => resolve(input))),
    });

    await workflow.start(INPUT);
    const deadline = Date.now() + 5_000;
    let history = await workflow.history(INPUT.runId);
    while (!history?.events.some((e) => e.type === 'StateEntered' && e.state === 'Two') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      history = await workflow.history(INPUT.runId);
    }
    const seen = structuredClone(history);
    release();
    await workflow.idle();

    expect(seen?.status).toBe('RUNNING');
    expect(seen?.events.at(-1)).toMatchObject({ type: 'StateEntered', state: 'Two' });
  });

  it('tells a watcher of the next event of a running execution', async () => {
    const { workflow, release, seen } = await waitingInTwo();

    const next = workflow.changed(INPUT.runId, seen, 30_000);
    release();
    await next;

    expect((await workflow.history(INPUT.runId))!.events.length).toBeGreaterThan(seen);
    await workflow.idle();
  });

  it("tells a watcher of a burst of events once it has landed: the run's last states and its end in one answer", async () => {
    const { workflow, release, seen } = await waitingInTwo();

    const next = workflow.changed(INPUT.runId, seen, 30_000);
    release();
    await next;

    const history = (await workflow.history(INPUT.runId))!;
    expect(history.status).toBe('SUCCEEDED');
    expect(history.events.slice(seen).map((e) => e.type)).toEqual([
      'StateExited',
      'StateEntered',
      'StateExited',
      'ExecutionSucceeded',
    ]);
    await workflow.idle();
  });

  it('tells a watcher of a run not started yet when it starts', async () => {
    const { workflow } = await threeTasks({});

    const started = workflow.changed(INPUT.runId, 0, 30_000);
    await workflow.start(INPUT);
    await started;

    expect(await workflow.history(INPUT.runId)).toBeDefined();
    await workflow.idle();
  });

  it('answers a watcher of an ended run at once', async () => {
    const { workflow } = await threeTasks({});
    await workflow.start(INPUT);
    await workflow.idle();

    await expect(workflow.changed(INPUT.runId, 999, 30_000)).resolves.toBeUndefined();
  });
});
