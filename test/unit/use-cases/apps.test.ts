import { describe, expect, it } from 'vitest';
import { listApps, RECENT_RUNS } from '../../../src/use-cases/apps.ts';
import { TransientError } from '../../../src/domain/errors.ts';
import type { ExecutionSummary } from '../../../src/domain/execution.ts';
import type { ContainerService, ServingVersion } from '../../../src/ports/container-service.ts';
import type { Workflow } from '../../../src/ports/workflow.ts';
import { DIGEST, fakeDependencies, testConfig, unusedWorkflow } from '../../support/fakes.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const config = testConfig({
  web: { service: { existing: { cluster: 'prod' } } },
  worker: { service: { existing: { cluster: 'prod' } } },
});

/** `run('web', 3, 'SUCCEEDED', 42)`: the app's run started 3 minutes before NOW that took 42 s. */
function run(app: string, minutesAgo: number, status: ExecutionSummary['status'], seconds?: number): ExecutionSummary {
  const started = NOW.getTime() - minutesAgo * 60_000;
  const id = `01JDQ8ZV7N2W4Y6A8C0E2G${String(1000 - minutesAgo).padStart(4, '0')}`;
  return {
    runId: id,
    app,
    status,
    startedAt: new Date(started).toISOString(),
    ...(seconds !== undefined && { stoppedAt: new Date(started + seconds * 1000).toISOString() }),
  };
}

/** A workflow whose listing is `runs` (newest first), recording each filter it is asked. */
function listingWorkflow(runs: ExecutionSummary[]): Workflow & { asked: { app?: string; limit: number }[] } {
  const asked: { app?: string; limit: number }[] = [];
  return {
    ...unusedWorkflow,
    asked,
    list: async (filter) => {
      asked.push(filter);
      return runs.filter((r) => filter.app === undefined || r.app === filter.app).slice(0, filter.limit);
    },
  };
}

function servingByApp(serving: Record<string, ServingVersion | Error>): ContainerService {
  return {
    deploy: async () => {
      throw new Error('not used');
    },
    rollout: async () => {
      throw new Error('not used');
    },
    serving: async ({ app }) => {
      const answer = serving[app];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const webServing: ServingVersion = {
  image: `registry.example/web@${DIGEST}`,
  taskDefinition: 'web:7',
  revision: 7,
  url: 'http://web.example',
  runningCount: 2,
  desiredCount: 2,
};

describe('listApps', () => {
  it('lists every configured app in the config file order, served or not', async () => {
    const deps = fakeDependencies({
      config,
      workflow: listingWorkflow([]),
      containers: servingByApp({ web: webServing }),
    });

    const apps = await listApps(deps);

    expect(apps.map((a) => a.app)).toEqual(['web', 'worker']);
    expect(apps[1]).toEqual({ app: 'worker', recentRuns: [] });
  });

  it('tells what serves an app: URL, image, digest, revision, running and desired tasks', async () => {
    const deps = fakeDependencies({
      config,
      workflow: listingWorkflow([]),
      containers: servingByApp({ web: webServing }),
    });

    const [web] = await listApps(deps);

    expect(web).toMatchObject({
      url: 'http://web.example',
      serving: {
        image: `registry.example/web@${DIGEST}`,
        digest: DIGEST,
        taskDefinition: 'web:7',
        revision: 7,
        runningCount: 2,
        desiredCount: 2,
      },
    });
  });

  it('leaves out the digest and the counts an adapter does not give', async () => {
    const deps = fakeDependencies({
      config,
      workflow: listingWorkflow([]),
      containers: servingByApp({ web: { image: 'nginx:1.27', taskDefinition: 'web:1', revision: 1 } }),
    });

    const [web] = await listApps(deps);

    expect(web?.serving).toEqual({ image: 'nginx:1.27', taskDefinition: 'web:1', revision: 1 });
    expect(web?.url).toBeUndefined();
  });

  it('gives each app its last run and its recent runs with their durations, newest first', async () => {
    const runs = [
      run('web', 1, 'RUNNING'),
      run('worker', 5, 'FAILED', 12.3),
      run('web', 10, 'SUCCEEDED', 61),
      run('web', 20, 'FAILED', 9),
    ];
    const deps = fakeDependencies({ config, workflow: listingWorkflow(runs), containers: servingByApp({}) });

    const [web, worker] = await listApps(deps);

    expect(web?.lastRun).toEqual({
      runId: runs[0]!.runId,
      status: 'RUNNING',
      startedAt: runs[0]!.startedAt,
      seconds: 60,
    });
    expect(web?.recentRuns.map((r) => [r.status, r.seconds])).toEqual([
      ['RUNNING', 60],
      ['SUCCEEDED', 61],
      ['FAILED', 9],
    ]);
    expect(worker?.recentRuns).toEqual([
      {
        runId: runs[1]!.runId,
        status: 'FAILED',
        startedAt: runs[1]!.startedAt,
        stoppedAt: runs[1]!.stoppedAt,
        seconds: 12.3,
      },
    ]);
  });

  it('shows a run a newer one superseded as SUPERSEDED, not SUCCEEDED (the execution only says it succeeded)', async () => {
    const superseded = { by: '01JD00000000000000000000ZZ', at: new Date(0).toISOString(), step: 'deploy' as const };
    const runs = [
      { ...run('web', 10, 'SUCCEEDED', 20), output: { superseded } },
      { ...run('web', 20, 'SUCCEEDED', 30), output: { app: 'web' } },
    ];
    const deps = fakeDependencies({ config, workflow: listingWorkflow(runs), containers: servingByApp({}) });

    const [web] = await listApps(deps);

    expect(web?.recentRuns.map((r) => r.status)).toEqual(['SUPERSEDED', 'SUCCEEDED']);
    expect(web?.lastRun).not.toHaveProperty('output');
  });

  it('keeps at most RECENT_RUNS runs per app', async () => {
    const runs = Array.from({ length: 30 }, (_, i) => run('web', i + 1, 'SUCCEEDED', 30));
    const deps = fakeDependencies({ config, workflow: listingWorkflow(runs), containers: servingByApp({}) });

    const [web] = await listApps(deps);

    expect(web?.recentRuns).toHaveLength(RECENT_RUNS);
    expect(web?.lastRun?.runId).toBe(runs[0]!.runId);
  });

  it('reads every run once when the newest runs of all apps are all there are', async () => {
    const workflow = listingWorkflow([run('web', 1, 'SUCCEEDED', 5)]);
    const deps = fakeDependencies({ config, workflow, containers: servingByApp({}) });

    await listApps(deps);

    expect(workflow.asked).toEqual([{ limit: 100 }]);
  });

  it("lists an app's own runs when the newest runs of all apps crowd it out", async () => {
    const runs = [
      ...Array.from({ length: 100 }, (_, i) => run('web', i + 1, 'SUCCEEDED', 5)),
      run('worker', 500, 'FAILED', 3),
    ];
    const workflow = listingWorkflow(runs);
    const deps = fakeDependencies({ config, workflow, containers: servingByApp({}) });

    const [, worker] = await listApps(deps);

    expect(worker?.lastRun?.status).toBe('FAILED');
    expect(workflow.asked).toEqual([{ limit: 100 }, { app: 'worker', limit: RECENT_RUNS }]);
  });

  it('reports an app whose service cannot be read, and still lists the others', async () => {
    const deps = fakeDependencies({
      config,
      workflow: listingWorkflow([]),
      containers: servingByApp({
        web: new TransientError('ECS DescribeServices was throttled; try again.'),
        worker: webServing,
      }),
    });

    const [web, worker] = await listApps(deps);

    expect(web?.problem).toEqual({
      name: 'TransientError',
      kind: 'unavailable',
      message: 'ECS DescribeServices was throttled; try again.',
    });
    expect(worker?.serving?.revision).toBe(7);
  });

  it('fails on a bug rather than reporting it as an app problem', async () => {
    const deps = fakeDependencies({
      config,
      workflow: listingWorkflow([]),
      containers: servingByApp({ web: new TypeError('undefined is not a function') }),
    });

    await expect(listApps(deps)).rejects.toThrow(TypeError);
  });
});
