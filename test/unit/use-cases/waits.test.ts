import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/domain/errors.ts';
import type { RunState } from '../../../src/domain/run-state.ts';
import { buildWaitKey, parseWaitRecord, rolloutWaitKey } from '../../../src/domain/waits.ts';
import type { TaskOutcome, Workflow } from '../../../src/ports/workflow.ts';
import { awaitEnd, rolloutWaitKeys, wake, type WaitLook } from '../../../src/use-cases/waits.ts';
import { fakeDependencies, FakeObjects, silentLogger, testConfig, unusedWorkflow } from '../../support/fakes.ts';

const RUN_ID = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const BUILDING: RunState = {
  runId: RUN_ID,
  app: 'hello',
  trigger: { kind: 'upload' },
  context: { key: `contexts/hello/${RUN_ID}.tar.gz` },
  build: { id: 'build-1', status: 'IN_PROGRESS', phase: 'BUILD' },
};
const BUILT: RunState = { ...BUILDING, build: { id: 'build-1', status: 'SUCCEEDED', phase: 'COMPLETED' } };
const KEY = buildWaitKey('build-1');

/**
 * A workflow that records what it was asked to resume and answers as Step Functions does: true the first time
 * a token ends its Task, false for a token already used (or, with `open` false, for every token).
 */
function resumingWorkflow(open = true) {
  const resumed: [string, TaskOutcome][] = [];
  const used = new Set<string>();
  const workflow: Workflow = {
    ...unusedWorkflow,
    resume: async (token, outcome) => {
      resumed.push([token, outcome]);
      if (!open || used.has(token)) return false;
      used.add(token);
      return true;
    },
  };
  return { workflow, resumed };
}

/** A look that answers the given states one call at a time (then the last), or throws. */
function looking(...answers: (RunState | Error)[]) {
  const over: RunState[] = [];
  let calls = 0;
  const look: WaitLook = {
    check: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    over: async (state) => void over.push(state),
  };
  return { look, over, calls: () => calls };
}

describe('waits', () => {
  let objects: FakeObjects;
  let deps: ReturnType<typeof fakeDependencies>;

  beforeEach(() => {
    objects = new FakeObjects();
    deps = fakeDependencies({ objects, logger: silentLogger });
  });

  const record = async (key = KEY) => {
    const body = await objects.get(key);
    return body && parseWaitRecord(new TextDecoder().decode(body));
  };

  it('records the token with the state before it looks, and leaves a build in progress waiting', async () => {
    const { workflow, resumed } = resumingWorkflow();
    let recorded: unknown;
    const look: WaitLook = {
      check: async (state) => ((recorded = await record()), state),
      over: async () => undefined,
    };

    const result = await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(result).toBe('waiting');
    expect(recorded).toEqual({ token: 'token-1', state: BUILDING, since: '2026-11-30T10:00:00.000Z' });
    expect(resumed).toEqual([]);
  });

  it('resumes the run itself when the first look finds the build over, and forgets the wait', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look, over } = looking(BUILT);

    const result = await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(result).toBe('resumed');
    expect(resumed).toEqual([['token-1', { output: BUILT }]]);
    expect(over).toEqual([BUILT]);
    expect(await objects.list('waits/')).toEqual([]);
  });

  it('resumes the run with the failure when the look throws it, and announces no end', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const failed = Object.assign(new Error('The build of app "hello" failed in BUILD: exit 1.'), {
      name: 'BuildFailedError',
    });
    const { look, over } = looking(failed);

    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(resumed).toEqual([
      [
        'token-1',
        { error: { name: 'BuildFailedError', message: 'The build of app "hello" failed in BUILD: exit 1.' } },
      ],
    ]);
    expect(over).toEqual([]);
  });

  it('leaves a look that failed for now to the retries: throws, resumes nothing, keeps the wait open', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look } = looking(new TransientError('CodeBuild BatchGetBuilds failed for now.'));

    await expect(
      awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow }),
    ).rejects.toThrow(TransientError);
    expect(resumed).toEqual([]);
    expect(await record()).toMatchObject({ token: 'token-1' });
  });

  it('keeps the wait open when the resume fails for now, so the retried event resumes the run', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look, over } = looking(BUILDING, BUILT);
    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });
    const throttled: Workflow = {
      ...workflow,
      resume: async () => {
        throw new TransientError('Step Functions SendTaskSuccess failed for now.');
      },
    };

    await expect(wake('build', KEY, look, { ...deps, workflow: throttled })).rejects.toThrow(TransientError);
    expect(await record()).toMatchObject({ token: 'token-1' });
    expect(over).toEqual([]);
    expect(await wake('build', KEY, look, { ...deps, workflow })).toBe('resumed');
    expect(resumed).toEqual([['token-1', { output: BUILT }]]);
    expect(over).toEqual([BUILT]);
  });

  it('refuses a wait on a state without the build to wait for', async () => {
    const { look } = looking(BUILT);
    const { build: _build, ...nothing } = BUILDING;

    await expect(awaitEnd('build', { state: nothing, taskToken: 't' }, look, deps)).rejects.toThrow(
      'the build wait needs "build"',
    );
  });

  it('looks again at an event, and resumes the run once the build is over', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look, over } = looking(BUILDING, BUILDING, BUILT);
    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(await wake('build', KEY, look, { ...deps, workflow })).toBe('waiting');
    expect(await wake('build', KEY, look, { ...deps, workflow })).toBe('resumed');
    expect(resumed).toEqual([['token-1', { output: BUILT }]]);
    expect(over).toHaveLength(1);
  });

  it('resumes the run before it announces the end (the next step need not wait for it), and waits for the announcement', async () => {
    const order: string[] = [];
    const workflow: Workflow = {
      ...unusedWorkflow,
      resume: async () => (order.push('resumed'), true),
    };
    const look: WaitLook = {
      check: async () => BUILT,
      over: async () => {
        order.push('announcing');
        await new Promise<void>((resolve) => setTimeout(resolve, 5));
        order.push('announced');
      },
    };

    const result = await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(result).toBe('resumed');
    expect(order).toEqual(['resumed', 'announcing', 'announced']);
  });

  it('ends the wait once when two events look at once: the token resumes the run once, and only that look announces', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look, over } = looking(BUILDING, BUILT);
    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    const results = await Promise.all([
      wake('build', KEY, look, { ...deps, workflow }),
      wake('build', KEY, look, { ...deps, workflow }),
    ]);

    expect(results.sort()).toEqual(['closed', 'resumed']);
    expect(resumed.map(([token]) => token)).toEqual(['token-1', 'token-1']);
    expect(over).toHaveLength(1);
    expect(await objects.list('waits/')).toEqual([]);
  });

  it('does nothing for an event no run waits on', async () => {
    const { workflow, resumed } = resumingWorkflow();
    const { look } = looking(BUILT);

    expect(await wake('build', buildWaitKey('another-build'), look, { ...deps, workflow })).toBe('none');
    expect(resumed).toEqual([]);
  });

  it('forgets the wait of a Task that was over already (its retry records the wait anew)', async () => {
    const { workflow, resumed } = resumingWorkflow(false);
    const { look } = looking(BUILDING, BUILT);
    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });

    expect(await wake('build', KEY, look, { ...deps, workflow })).toBe('closed');
    expect(resumed).toHaveLength(1);
    expect(await objects.list('waits/')).toEqual([]);
  });

  it("keeps the record a Task's retry wrote while the event's look found the earlier Task over", async () => {
    const { workflow } = resumingWorkflow(false);
    const { look } = looking(BUILDING, BUILT);
    await awaitEnd('build', { state: BUILDING, taskToken: 'token-1' }, look, { ...deps, workflow });
    const retried: typeof workflow = {
      ...workflow,
      resume: async () => {
        // The retry records the wait (a new token) before the resume of the old one is answered.
        await objects.put({
          key: KEY,
          body: new TextEncoder().encode(JSON.stringify({ token: 'token-2', state: BUILDING, since: 'now' })),
          contentType: 'application/json',
        });
        return false;
      },
    };

    expect(await wake('build', KEY, look, { ...deps, workflow: retried })).toBe('closed');
    expect(await record()).toMatchObject({ token: 'token-2' });
  });

  it("lists the rollout waits of the apps a service serves, and an unknown app's", async () => {
    const config = testConfig({
      hello: { service: { existing: { cluster: 'prod', service: 'web' } } },
      other: { service: { existing: { cluster: 'prod', service: 'api' } } },
    });
    for (const key of [
      rolloutWaitKey('hello', RUN_ID),
      rolloutWaitKey('other', RUN_ID),
      rolloutWaitKey('gone', RUN_ID),
    ])
      await objects.put({ key, body: new Uint8Array(), contentType: 'application/json' });

    expect(await rolloutWaitKeys('web', { objects, config })).toEqual([
      rolloutWaitKey('gone', RUN_ID),
      rolloutWaitKey('hello', RUN_ID),
    ]);
    expect(await rolloutWaitKeys(undefined, { objects, config })).toHaveLength(3);
  });
});
