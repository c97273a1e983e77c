import { beforeEach, describe, expect, it } from 'vitest';
import { runLogs } from '../../../src/use-cases/run-logs.ts';
import { InvalidInputError, RunNotFoundError } from '../../../src/domain/errors.ts';
import type { ExecutionHistory } from '../../../src/domain/execution.ts';
import type { BuildLogs } from '../../../src/ports/build-logs.ts';
import type { Workflow } from '../../../src/ports/workflow.ts';
import { fakeDependencies, type FakeObjects } from '../../support/fakes.ts';
import { INPUT, localWorkflow, runToEnd } from '../../support/run-machine.ts';

describe('run-logs', () => {
  let deps: ReturnType<typeof fakeDependencies>;

  beforeEach(async () => {
    deps = fakeDependencies();
    deps.workflow = await localWorkflow(deps);
    await (deps.objects as FakeObjects).put({ key: INPUT.context.key, body: new Uint8Array(1) });
  });

  it('pages through the build output with the cursor until done', async () => {
    await runToEnd(deps.workflow as never);
    const first = await runLogs(INPUT.runId, undefined, deps);
    expect(first).toEqual({ runId: INPUT.runId, lines: ['#1 building', '#2 pushing'], cursor: '2', done: false });
    const second = await runLogs(INPUT.runId, first.cursor, deps);
    expect(second).toEqual({ runId: INPUT.runId, lines: ['digest: sha256:ab'], cursor: '3', done: true });
  });

  it('is done at once for a run that never built', async () => {
    deps.objects.objects.clear();
    await runToEnd(deps.workflow as never);
    expect(await runLogs(INPUT.runId, undefined, deps)).toEqual({
      runId: INPUT.runId,
      lines: [],
      cursor: '',
      done: true,
    });
  });

  it('refuses what is not a run id', async () => {
    await expect(runLogs('latest', undefined, deps)).rejects.toThrow(InvalidInputError);
  });

  it('says when there is no such run', async () => {
    await expect(runLogs('01JDQ8ZV7N2W4Y6A8C0E2G4J6Z', undefined, deps)).rejects.toThrow(RunNotFoundError);
  });
});

describe('run-logs, waiting for output', () => {
  /** A run whose build is in progress, and build output that grows when the test says. */
  function buildingRun() {
    const history: ExecutionHistory = {
      runId: INPUT.runId,
      app: 'hello',
      status: 'RUNNING',
      startedAt: '2026-11-30T10:00:00.000Z',
      input: INPUT,
      events: [
        { type: 'StateEntered', timestamp: '2026-11-30T10:00:00.000Z', state: 'StartBuild', input: INPUT },
        {
          type: 'StateExited',
          timestamp: '2026-11-30T10:00:00.100Z',
          state: 'StartBuild',
          output: { ...INPUT, build: { id: 'b1', status: 'IN_PROGRESS', phase: 'BUILD', startedAt: '' } },
        },
      ],
    };
    const lines: string[] = [];
    const waiting = new Set<() => void>();
    const buildLogs: BuildLogs = {
      read: async (_build, cursor = '0') => {
        const rest = lines.slice(Number(cursor));
        return { lines: rest, cursor: String(Number(cursor) + rest.length), done: false };
      },
      appended: (_build, cursor = '0') =>
        lines.length > Number(cursor) ? Promise.resolve() : new Promise<void>((resolve) => waiting.add(resolve)),
    };
    const workflow: Workflow = {
      start: async () => ({ started: false }),
      resume: async () => false,
      history: async () => history,
      list: async () => [],
      changed: async () => undefined,
    };
    return {
      deps: { workflow, buildLogs },
      waiting,
      write(line: string) {
        lines.push(line);
        for (const tell of waiting) tell();
        waiting.clear();
      },
    };
  }

  it('answers an empty page at once without waitMs', async () => {
    const { deps } = buildingRun();

    expect(await runLogs(INPUT.runId, '0', deps)).toMatchObject({ lines: [], done: false });
  });

  it('waits for the next line of a running build', async () => {
    const run = buildingRun();

    const reading = runLogs(INPUT.runId, '0', run.deps, 20_000);
    while (run.waiting.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    run.write('#3 exporting');

    expect(await reading).toMatchObject({ lines: ['#3 exporting'], cursor: '1', done: false });
  });
});
