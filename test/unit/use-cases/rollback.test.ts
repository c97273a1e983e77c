import { beforeEach, describe, expect, it } from 'vitest';
import { NothingToRollBackToError, rollback } from '../../../src/use-cases/rollback.ts';
import { InvalidInputError, RunNotFoundError } from '../../../src/domain/errors.ts';
import type { RunInput } from '../../../src/domain/run-state.ts';
import { runView } from '../../../src/domain/run-view.ts';
import { DIGEST, fakeDependencies, FakeBuilds, type FakeObjects } from '../../support/fakes.ts';
import { localWorkflow, runToEnd } from '../../support/run-machine.ts';

const OLD_DIGEST = `sha256:${'cd'.repeat(32)}`;
const input = (runId: string): RunInput => ({
  runId,
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: `contexts/hello/${runId}.tar.gz` },
});

describe('rollback', () => {
  let deps: ReturnType<typeof fakeDependencies>;
  let workflow: Awaited<ReturnType<typeof localWorkflow>>;

  beforeEach(async () => {
    deps = fakeDependencies();
    workflow = await localWorkflow(deps);
    deps.workflow = workflow;
    for (const runId of ['01JDQ8ZV7N2W4Y6A8C0E2G4J60', '01JDQ8ZV7N2W4Y6A8C0E2G4J61'])
      await (deps.objects as FakeObjects).put({
        key: `contexts/hello/${runId}.tar.gz`,
        body: new Uint8Array(1),
        contentType: 'application/gzip',
      });
    // Two successful runs: the older built OLD_DIGEST, the newer DIGEST (serving now).
    deps.builds = new FakeBuilds([{ status: 'SUCCEEDED', phase: 'COMPLETED', imageDigest: OLD_DIGEST }]) as never;
    await runToEnd(workflow, input('01JDQ8ZV7N2W4Y6A8C0E2G4J60'));
    deps.builds = new FakeBuilds([{ status: 'SUCCEEDED', phase: 'COMPLETED', imageDigest: DIGEST }]) as never;
    await runToEnd(workflow, input('01JDQ8ZV7N2W4Y6A8C0E2G4J61'));
    deps.containers.serving_ = { image: `registry.example/hello@${DIGEST}`, taskDefinition: 'hello:3', revision: 3 };
  });

  it('goes back to the newest successful run older than what serves', async () => {
    const started = await rollback('hello', {}, deps);
    expect(started).toMatchObject({
      rollbackTo: '01JDQ8ZV7N2W4Y6A8C0E2G4J60',
      image: `registry.example/hello@${OLD_DIGEST}`,
    });
    await workflow.idle();
    const view = runView((await workflow.history(started.runId))!);
    expect(view).toMatchObject({
      status: 'SUCCEEDED',
      trigger: { kind: 'rollback', source: '01JDQ8ZV7N2W4Y6A8C0E2G4J60' },
    });
    expect(deps.containers.deployed.at(-1)?.image).toBe(`registry.example/hello@${OLD_DIGEST}`);
  });

  it('passes over a run a newer one superseded: its image never served', async () => {
    const superseded = { by: '01JDQ8ZV7N2W4Y6A8C0E2G4J61', at: new Date(0).toISOString(), step: 'deploy' };
    deps.workflow = {
      ...workflow,
      list: (filter) => workflow.list(filter),
      start: (i: RunInput) => workflow.start(i),
      resume: (token, outcome) => workflow.resume(token, outcome),
      // The older run as if it had ended Superseded: its image was built, then a newer run claimed the service.
      history: async (id: string) => {
        const history = await workflow.history(id);
        if (!history || id !== '01JDQ8ZV7N2W4Y6A8C0E2G4J60') return history;
        const events = history.events.map((e) =>
          e.type === 'ExecutionSucceeded' || e.type === 'StateExited'
            ? { ...e, output: { ...(e.output as object), superseded } }
            : e,
        );
        return { ...history, events };
      },
    };
    await expect(rollback('hello', {}, deps)).rejects.toThrow(NothingToRollBackToError);
  });

  it('goes back to the run it is told to', async () => {
    const started = await rollback('hello', { to: '01JDQ8ZV7N2W4Y6A8C0E2G4J61' }, deps);
    expect(started.image).toBe(`registry.example/hello@${DIGEST}`);
  });

  it('refuses a run that does not exist', async () => {
    await expect(rollback('hello', { to: '01JDQ8ZV7N2W4Y6A8C0E2G4J6Z' }, deps)).rejects.toThrow(RunNotFoundError);
  });

  it('refuses a body that is not a rollback request', async () => {
    await expect(rollback('hello', { to: 'yesterday' }, deps)).rejects.toThrow(InvalidInputError);
  });

  it('says so when no earlier image exists', async () => {
    deps.containers.serving_ = {
      image: `registry.example/hello@${OLD_DIGEST}`,
      taskDefinition: 'hello:1',
      revision: 1,
    };
    deps.workflow = {
      ...workflow,
      list: async () => (await workflow.list({ app: 'hello', limit: 50 })).slice(1),
      history: (id: string) => workflow.history(id),
      start: (i: RunInput) => workflow.start(i),
      resume: (token, outcome) => workflow.resume(token, outcome),
    };
    await expect(rollback('hello', {}, deps)).rejects.toThrow(NothingToRollBackToError);
  });
});
