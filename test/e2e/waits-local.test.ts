import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionHistory } from '../../src/domain/execution.ts';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { projectWith, slipway, stateDirFor, type CliResult } from './support.ts';

/**
 * Waiting without polling, on the real local stack (issue 10: bounded histories, prompt reports): a run's
 * history grows with its steps, not with how long its build or rollout takes, and a health check that
 * keeps failing is reported FAILED within a few seconds of its timeout. Times are the stack's own
 * records (the container's start, the run's end), never this test's clock.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
const STATE = stateDirFor('waits');
/** The sick app's health-check timeout: its container never answers the path, so its rollout fails after this. */
const T = 4;

const service = (path: string, timeoutSeconds: number) => ({ port: 8080, healthCheck: { path, timeoutSeconds } });
const CONFIG = {
  apps: {
    quick: { service: service('/', 60) },
    slow: { service: service('/', 60) },
    sick: { service: service('/no-such-page', T) },
  },
};

interface RunView {
  id: string;
  status: string;
  endedAt?: string;
  error?: { step: string; name: string; message: string };
  steps: { name: string; status: string }[];
}

describe.skipIf(!dockerUp && !CI)('waits on the local stack', () => {
  let project: string;
  const folders: string[] = [];
  const cli = (args: string[]) => slipway(args, { stateDir: STATE, cwd: project });

  /** A context serving `page`, whose build sleeps `buildSeconds` and whose server starts `startSeconds` late. */
  const context = async (page: string, buildSeconds = 0, startSeconds = 0) => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-waits-'));
    folders.push(dir);
    await mkdir(join(dir, 'content'));
    await writeFile(join(dir, 'content', 'index.html'), page);
    await writeFile(
      join(dir, 'Dockerfile'),
      [
        'FROM busybox',
        ...(buildSeconds ? [`RUN sleep ${buildSeconds}`] : []),
        'COPY content/index.html /www/index.html',
        'EXPOSE 8080',
        `CMD ["sh", "-c", "sleep ${startSeconds}; exec httpd -f -p 8080 -h /www"]`,
        '',
      ].join('\n'),
    );
    return dir;
  };

  const deploy = async (dir: string, app: string): Promise<{ result: CliResult; run: RunView }> => {
    const result = await cli(['deploy', dir, '--app', app, '--json']);
    const done = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; runId?: string })
      .find((event) => event.type === 'done');
    const status = await cli(['status', done!.runId!, '--json']);
    return { result, run: JSON.parse(status.stdout) as RunView };
  };

  /** The run's history as the local stack keeps it. */
  const history = async (runId: string) =>
    JSON.parse(await readFile(join(STATE, 'executions', `${runId}.json`), 'utf8')) as ExecutionHistory;

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed). Run scripts/prereqs.sh.`,
      );
    await rm(STATE, { recursive: true, force: true });
    project = await projectWith(CONFIG);
    const up = await cli(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    expect((await cli(['local', 'down'])).code).toBe(0);
    await Promise.all([STATE, project, ...folders].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps the history of a run with a 10 s build and a 5 s rollout as short as a quick run’s', async () => {
    const quick = await deploy(await context('quick'), 'quick');
    const slow = await deploy(await context('slow', 10, 5), 'slow');

    expect(quick.result.code, quick.result.stdout + quick.result.stderr).toBe(0);
    expect(slow.result.code, slow.result.stdout + slow.result.stderr).toBe(0);
    const [quickEvents, slowEvents] = [
      (await history(quick.run.id)).events.length,
      (await history(slow.run.id)).events.length,
    ];
    expect(slowEvents).toBe(quickEvents);
    expect(slowEvents).toBeLessThan(50);
    // While the run waited for its 5 s rollout, the CLI showed the counts the service told (GET /runs/{id}), then the end.
    const rollouts = slow.result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; state?: string; desired?: number })
      .filter((event) => event.type === 'rollout');
    expect(rollouts[0]).toMatchObject({ state: 'IN_PROGRESS', desired: 1 });
    expect(rollouts.at(-1)).toMatchObject({ state: 'COMPLETED', running: 1, desired: 1 });
  });

  it(`reports a health check that fails for ${T} s FAILED within ${T + 5} s of the container's start`, async () => {
    const { result, run } = await deploy(await context('never healthy'), 'sick');

    expect(result.code).toBe(1);
    expect(run).toMatchObject({ status: 'FAILED', error: { step: 'rollout', name: 'RolloutFailedError' } });
    expect(run.error?.message).toContain('health check');
    // The stand-in's record of the deployment: when the container that never got healthy started.
    const deployment = JSON.parse(
      await readFile(join(STATE, 'services', 'deployments', 'sick', `dep-${run.id}.json`), 'utf8'),
    ) as { started: { startedAt: string }[] };
    const failingFor = Date.parse(run.endedAt!) - Date.parse(deployment.started[0]!.startedAt);
    expect(failingFor).toBeGreaterThanOrEqual(T * 1000);
    expect(failingFor).toBeLessThanOrEqual((T + 5) * 1000);
  });
});
