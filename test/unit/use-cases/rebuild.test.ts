import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, RunNotFoundError, UnknownAppError } from '../../../src/domain/errors.ts';
import { runView } from '../../../src/domain/run-view.ts';
import { eventRunId } from '../../../src/use-cases/event-run-id.ts';
import { NothingToRebuildError, startRebuild, type BuildRequestedEvent } from '../../../src/use-cases/rebuild.ts';
import { fakeDependencies, type FakeObjects } from '../../support/fakes.ts';
import { localWorkflow, runToEnd } from '../../support/run-machine.ts';

const OLD = '01JDQ8ZV7N2W4Y6A8C0E2G4J60';
const NEW = '01JDQ8ZV7N2W4Y6A8C0E2G4J61';
const event = (detail: unknown, id = '6a7e8feb-b491-4cf7-a9f1-bf3703467718'): BuildRequestedEvent => ({
  id,
  time: '2026-11-30T03:00:00Z',
  source: 'slipway',
  'detail-type': 'Build Requested',
  detail,
});

describe('rebuild', () => {
  let deps: ReturnType<typeof fakeDependencies>;
  let workflow: Awaited<ReturnType<typeof localWorkflow>>;

  beforeEach(async () => {
    deps = fakeDependencies();
    workflow = await localWorkflow(deps);
    deps.workflow = workflow;
    for (const runId of [OLD, NEW]) {
      await (deps.objects as FakeObjects).put({ key: `contexts/hello/${runId}.tar.gz`, body: new Uint8Array(1) });
      await runToEnd(workflow, {
        runId,
        app: 'hello',
        trigger: { kind: 'webhook', commit: 'a'.repeat(40), ref: 'refs/heads/main' },
        context: { key: `contexts/hello/${runId}.tar.gz` },
      });
    }
  });

  it('rebuilds the newest context, keeping its commit', async () => {
    const started = await startRebuild(event({ app: 'hello' }), deps);
    expect(started).toMatchObject({ started: true, from: NEW });
    await workflow.idle();
    const view = runView((await workflow.history(started.runId))!);
    expect(view).toMatchObject({
      status: 'SUCCEEDED',
      trigger: { kind: 'event', commit: 'a'.repeat(40), ref: 'refs/heads/main' },
    });
    expect((await workflow.history(started.runId))!.input).toMatchObject({
      context: { key: `contexts/hello/${NEW}.tar.gz` },
    });
  });

  it('rebuilds the context of the run it is given', async () => {
    const started = await startRebuild(event({ app: 'hello', runFrom: OLD }), deps);
    expect((await workflow.history(started.runId))!.input).toMatchObject({
      context: { key: `contexts/hello/${OLD}.tar.gz` },
    });
  });

  it('marks a scheduled rebuild as such', async () => {
    const started = await startRebuild(event({ app: 'hello', schedule: true }), deps);
    expect((await workflow.history(started.runId))!.input).toMatchObject({
      trigger: { kind: 'schedule', source: 'schedule' },
    });
  });

  it.each([false, true])('builds whatever image the build key has (scheduled: %s)', async (schedule) => {
    const started = await startRebuild(event({ app: 'hello', schedule }), deps);
    expect((await workflow.history(started.runId))!.input).toMatchObject({ rebuild: true });
  });

  it('starts one run when the same event is delivered twice', async () => {
    const first = await startRebuild(event({ app: 'hello' }), deps);
    const again = await startRebuild(event({ app: 'hello' }), deps);
    expect(again).toMatchObject({ runId: first.runId, started: false });
    expect(first.runId).toBe(
      eventRunId(Date.parse('2026-11-30T03:00:00Z'), 'slipway:6a7e8feb-b491-4cf7-a9f1-bf3703467718'),
    );
  });

  it('says so when the contexts have expired from the bucket', async () => {
    deps.objects.objects.clear();
    await expect(startRebuild(event({ app: 'hello' }), deps)).rejects.toThrow(NothingToRebuildError);
    await expect(startRebuild(event({ app: 'hello', runFrom: OLD }), deps)).rejects.toThrow('no longer in the bucket');
  });

  it.each([
    [{ app: 'hello', runFrom: 'yesterday' }, InvalidInputError],
    [{ app: 'hello', extra: 1 }, InvalidInputError],
    [{ app: 'nope' }, UnknownAppError],
    [{ app: 'hello', runFrom: '01JDQ8ZV7N2W4Y6A8C0E2G4J6Z' }, RunNotFoundError],
  ])('refuses %j', async (detail, error) => {
    await expect(startRebuild(event(detail), deps)).rejects.toThrow(error);
  });
});

describe('event-run-id', () => {
  it('is the same for the same event and differs for another', () => {
    const t = Date.parse('2026-11-30T03:00:00Z');
    expect(eventRunId(t, 'a')).toBe(eventRunId(t, 'a'));
    expect(eventRunId(t, 'a')).not.toBe(eventRunId(t, 'b'));
  });

  it('sorts by the event time', () => {
    expect(
      eventRunId(Date.parse('2026-11-30T03:00:00Z'), 'z') < eventRunId(Date.parse('2026-11-30T03:00:01Z'), 'a'),
    ).toBe(true);
  });
});
