import { describe, expect, it } from 'vitest';
import { RunNotFoundError } from '../../../src/domain/errors.ts';
import type { ExecutionHistory } from '../../../src/domain/execution.ts';
import type { Workflow } from '../../../src/ports/workflow.ts';
import { watchRun } from '../../../src/use-cases/runs.ts';
import { RUN_ID } from '../../support/run-machine.ts';

/** A workflow whose one run gains an event each time `advance()` is called, telling whoever waits. */
function liveWorkflow(options: { canWait: boolean }) {
  const history: ExecutionHistory = {
    runId: RUN_ID,
    app: 'hello',
    status: 'RUNNING',
    startedAt: '2026-11-30T10:00:00.000Z',
    input: {},
    events: [{ type: 'ExecutionStarted', timestamp: '2026-11-30T10:00:00.000Z', input: {} }],
  };
  const waiting = new Set<() => void>();
  const workflow: Workflow = {
    start: async () => ({ started: false }),
    resume: async () => false,
    history: async (runId) => (runId === RUN_ID ? structuredClone(history) : undefined),
    list: async () => [],
    ...(options.canWait && {
      changed: (_runId: string, seen: number, timeoutMs: number) =>
        history.events.length > seen
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, timeoutMs);
              waiting.add(() => (clearTimeout(timer), resolve()));
            }),
    }),
  };
  return {
    workflow,
    waiting,
    advance() {
      history.events.push({ type: 'StateEntered', timestamp: '2026-11-30T10:00:01.000Z', state: 'Prepare', input: {} });
      for (const tell of waiting) tell();
      waiting.clear();
    },
  };
}

describe('watchRun', () => {
  it('answers at once with the run and its version when the caller has not seen it', async () => {
    const { workflow } = liveWorkflow({ canWait: true });

    const watched = await watchRun(RUN_ID, { waitMs: 20_000 }, { workflow });

    expect(watched).toMatchObject({ version: '1-RUNNING', waits: true, run: { id: RUN_ID, status: 'RUNNING' } });
  });

  it('waits for the next change when the caller has seen this version', async () => {
    const live = liveWorkflow({ canWait: true });

    const watching = watchRun(RUN_ID, { seen: '1-RUNNING', waitMs: 20_000 }, { workflow: live.workflow });
    while (live.waiting.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    live.advance();

    expect((await watching).version).toBe('2-RUNNING');
  });

  it('answers unchanged once the wait is over', async () => {
    const { workflow } = liveWorkflow({ canWait: true });

    const watched = await watchRun(RUN_ID, { seen: '1-RUNNING', waitMs: 10 }, { workflow });

    expect(watched.version).toBe('1-RUNNING');
  });

  it('waits for a run that has not started yet', async () => {
    let started = false;
    let tell: (() => void) | undefined;
    const live = liveWorkflow({ canWait: true });
    const workflow: Workflow = {
      ...live.workflow,
      history: async (runId) => (started ? live.workflow.history(runId) : undefined),
      changed: () => new Promise<void>((resolve) => (tell = resolve)),
    };

    const watching = watchRun(RUN_ID, { waitMs: 20_000 }, { workflow });
    while (!tell) await new Promise((resolve) => setTimeout(resolve, 1));
    started = true;
    tell();

    expect((await watching).run.id).toBe(RUN_ID);
  });

  it('says there is no such run once the wait is over', async () => {
    const workflow: Workflow = { ...liveWorkflow({ canWait: true }).workflow, history: async () => undefined };

    await expect(watchRun(RUN_ID, { waitMs: 10 }, { workflow })).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('answers at once where the workflow cannot wait (Step Functions), saying so', async () => {
    const { workflow } = liveWorkflow({ canWait: false });

    const watched = await watchRun(RUN_ID, { seen: '1-RUNNING', waitMs: 20_000 }, { workflow });

    expect(watched).toMatchObject({ version: '1-RUNNING', waits: false });
  });
});
