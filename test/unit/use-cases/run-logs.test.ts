import { beforeEach, describe, expect, it } from 'vitest';
import { runLogs } from '../../../src/use-cases/run-logs.ts';
import { InvalidInputError, RunNotFoundError } from '../../../src/domain/errors.ts';
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
