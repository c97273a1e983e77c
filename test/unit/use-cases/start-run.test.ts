import { describe, expect, it } from 'vitest';
import { startRunFromObject, type ObjectCreatedEvent } from '../../../src/use-cases/start-run.ts';
import type { RunInput } from '../../../src/domain/run-state.ts';
import { fakeDependencies } from '../../support/fakes.ts';

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
const event = (key: string): ObjectCreatedEvent => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'ctx' }, object: { key, size: 10 } },
});

function recordingWorkflow() {
  const started: RunInput[] = [];
  const names = new Set<string>();
  return {
    started,
    workflow: {
      start: async (input: RunInput) => {
        if (names.has(input.runId)) return { started: false };
        names.add(input.runId);
        started.push(input);
        return { started: true };
      },
      history: async () => undefined,
      list: async () => [],
      resume: async () => false,
    },
  };
}

describe('start-run', () => {
  it('starts the run named by the object key, with the uploader as its source', async () => {
    const { workflow, started } = recordingWorkflow();
    const deps = fakeDependencies({ workflow });
    await deps.objects.put({
      key: `contexts/hello/${RUN}.tar.gz`,
      body: new Uint8Array(1),
      contentType: 'application/gzip',
      metadata: { uploader: 'dev@laptop' },
    });
    expect(await startRunFromObject(event(`contexts/hello/${RUN}.tar.gz`), deps)).toEqual({
      runId: RUN,
      started: true,
    });
    expect(started).toEqual([
      {
        runId: RUN,
        app: 'hello',
        trigger: { kind: 'upload', source: 'dev@laptop' },
        context: { key: `contexts/hello/${RUN}.tar.gz`, bucket: 'ctx' },
      },
    ]);
  });

  it('starts a run that always builds for a context uploaded with --rebuild', async () => {
    const { workflow, started } = recordingWorkflow();
    const deps = fakeDependencies({ workflow });
    await deps.objects.put({
      key: `contexts/hello/${RUN}.tar.gz`,
      body: new Uint8Array(1),
      contentType: 'application/gzip',
      metadata: { uploader: 'dev@laptop', rebuild: 'true' },
    });

    await startRunFromObject(event(`contexts/hello/${RUN}.tar.gz`), deps);

    expect(started[0]).toMatchObject({ runId: RUN, rebuild: true });
  });

  it('starts one run when the same event is delivered twice', async () => {
    const { workflow, started } = recordingWorkflow();
    const deps = fakeDependencies({ workflow });
    await startRunFromObject(event(`contexts/hello/${RUN}.tar.gz`), deps);
    expect(await startRunFromObject(event(`contexts/hello/${RUN}.tar.gz`), deps)).toEqual({
      runId: RUN,
      started: false,
    });
    expect(started).toHaveLength(1);
  });

  it.each(['uploads/x.tar.gz', `contexts/hello/${RUN}.zip`, 'contexts/Hello/x.tar.gz'])(
    'ignores the key %s',
    async (key) => {
      const { workflow, started } = recordingWorkflow();
      expect(await startRunFromObject(event(key), fakeDependencies({ workflow }))).toHaveProperty('ignored');
      expect(started).toEqual([]);
    },
  );
});
