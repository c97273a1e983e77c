import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { deliverPush, githubTarball, startGithubStandIn } from '../support/github.ts';
import { expectServes, slipway, stateDirFor, stackInfo } from './support.ts';

/**
 * The fault suite's concurrency cases (issue 10): six `slipway deploy` of one app at once, builds of
 * different lengths, five rounds: the newest upload serves, every other run is SUPERSEDED or succeeded
 * before it. Then twenty concurrent deliveries of one signed push: one run, one fetch, nineteen duplicates.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
const STATE = stateDirFor('newest-wins');
const SECRET = 'e2e newest-wins secret';
const DEPLOYS = 6;
const ROUNDS = 5;

type Step = { name: string; status: string; startedAt?: string; endedAt?: string };
type RunView = { id: string; status: string; url?: string; superseded?: { by: string }; steps: Step[] };
type Done = { type: 'done'; runId: string; status: string };

describe.skipIf(!dockerUp && !CI)('newest wins', () => {
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  let api: string;
  const folders: string[] = [];
  const cli = (args: string[]) => slipway(args, { stateDir: STATE });
  const view = async (runId: string) => {
    const status = await cli(['status', runId, '--json']);
    expect(status.code, status.stderr).toBe(0);
    return JSON.parse(status.stdout) as RunView;
  };

  /** A context whose build sleeps `seconds` and whose page says `page`. */
  const context = async (page: string, seconds: number) => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-newest-'));
    folders.push(dir);
    await mkdir(join(dir, 'content'));
    await writeFile(join(dir, 'content', 'index.html'), page);
    await writeFile(
      join(dir, 'Dockerfile'),
      `FROM busybox\nRUN sleep ${seconds}\nCOPY content/index.html /www/index.html\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
    );
    return dir;
  };

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed). Run scripts/prereqs.sh.`,
      );
    github = await startGithubStandIn({
      [`slipway-examples/hello@${'d'.repeat(40)}`]: await githubTarball('slipway-examples/hello', 'd'.repeat(40), {
        Dockerfile: 'FROM busybox\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
        'index.html': 'pushed\n',
      }),
    });
    await rm(STATE, { recursive: true, force: true });
    const up = await slipway(['local', 'up'], {
      stateDir: STATE,
      env: {
        SLIPWAY_GITHUB_WEBHOOK_SECRET: SECRET,
        SLIPWAY_GITHUB_TOKEN: 'ghp_e2e',
        SLIPWAY_GITHUB_API_URL: github.url,
      },
    });
    expect(up.code, up.stderr).toBe(0);
    api = (await stackInfo(STATE)).api;
  }, 120_000);

  afterAll(async () => {
    expect((await cli(['local', 'down'])).code).toBe(0);
    await github?.close();
    await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
    await rm(STATE, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: of ${DEPLOYS} concurrent deploys, the newest upload serves and every other run is SUPERSEDED or succeeded before it`, async () => {
      // Build lengths vary by round, so older runs reach Deploy after newer ones in different orders.
      const sleeps = Array.from({ length: DEPLOYS }, (_, i) => ((i * (round + 2)) % DEPLOYS) * 0.4);
      const dirs = await Promise.all(sleeps.map((seconds, i) => context(`round ${round} deploy ${i}\n`, seconds)));
      const results = await Promise.all(dirs.map((dir) => cli(['deploy', dir, '--app', 'hello', '--json'])));
      for (const result of results) expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

      const done = results.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Done);
      const pages = new Map(done.map((d, i) => [d.runId, `round ${round} deploy ${i}\n`]));
      const newest = [...pages.keys()].sort().at(-1)!;
      const newestRun = await view(newest);
      expect(newestRun.status).toBe('SUCCEEDED');
      await expectServes(newestRun.url!, pages.get(newest)!);

      const newestDeploy = newestRun.steps.find((s) => s.name === 'deploy')!;
      for (const { runId } of done.filter((d) => d.runId !== newest)) {
        const run = await view(runId);
        expect(['SUPERSEDED', 'SUCCEEDED'], `${runId}: ${JSON.stringify(run)}`).toContain(run.status);
        if (run.status === 'SUPERSEDED') expect(run.superseded!.by > runId).toBe(true);
        // A SUCCEEDED older run claimed the service before the newest one did (claims go in run-id order).
        if (run.status === 'SUCCEEDED')
          expect(Date.parse(run.steps.find((s) => s.name === 'deploy')!.startedAt!)).toBeLessThanOrEqual(
            Date.parse(newestDeploy.endedAt!),
          );
      }
      // The run list says the same as each run: a superseded run is not listed as SUCCEEDED.
      const runs = await cli(['runs', '--app', 'hello', '--limit', '100', '--json']);
      const listed = JSON.parse(runs.stdout) as { runId: string; status: string }[];
      for (const { runId } of done) {
        expect(listed.find((r) => r.runId === runId)?.status, runId).toBe((await view(runId)).status);
      }
      // And it keeps serving: no older run moves the service afterwards.
      await sleep(300);
      await expectServes(newestRun.url!, pages.get(newest)!);
    }, 240_000);
  }

  describe('duplicate deliveries', () => {
    const commit = 'd'.repeat(40);
    const deliver = async (payload: Record<string, unknown>, delivery: string) => {
      const response = await deliverPush(api, SECRET, payload, delivery);
      return { status: response.status, body: (await response.json()) as { duplicate?: boolean; runId?: string } };
    };
    const runCount = async () =>
      (JSON.parse((await cli(['runs', '--app', 'hello', '--json', '--limit', '100'])).stdout) as unknown[]).length;
    const tarballFetches = () => github.requests.filter((r) => r.path.includes('/tarball/')).length;
    const waitForEnd = async (runId: string) => {
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const status = await cli(['status', runId, '--json']);
        if (status.code !== 2 && (JSON.parse(status.stdout) as RunView).status !== 'RUNNING')
          return JSON.parse(status.stdout) as RunView;
        await sleep(200);
      }
      throw new Error(`run ${runId} did not end within 90s`);
    };

    it.each([
      [
        'with a time in the body',
        {
          repository: { full_name: 'slipway-examples/hello', pushed_at: Math.floor(Date.now() / 1000) },
          head_commit: { id: 'd'.repeat(40), timestamp: new Date().toISOString() },
        },
        'SUCCEEDED',
      ],
      [
        // The same commit's files again: the run finds the image the first one built for their build key.
        'without a time in the body',
        { repository: { full_name: 'slipway-examples/hello' }, head_commit: null, marker: 'untimed' },
        'SKIPPED',
      ],
    ])(
      'makes one run of 20 concurrent deliveries of one signed push %s, answering 19 as duplicates',
      async (_name, extra, build) => {
        const payload = {
          ref: 'refs/heads/main',
          before: '0'.repeat(40),
          after: commit,
          deleted: false,
          pusher: { name: 'octocat' },
          ...extra,
        };
        const runsBefore = await runCount();
        const fetchesBefore = tarballFetches();

        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(payload, `delivery-${i}`)));

        const first = answers.filter((a) => a.status === 202 && a.body.duplicate === false);
        const duplicates = answers.filter((a) => a.status === 200 && a.body.duplicate === true);
        expect(
          first,
          answers.map((a) => `${a.status} duplicate=${a.body.duplicate} ${a.body.runId}`).join(', '),
        ).toHaveLength(1);
        expect(duplicates).toHaveLength(19);
        expect(new Set(answers.map((a) => a.body.runId))).toEqual(new Set([first[0]!.body.runId]));
        expect(tarballFetches() - fetchesBefore).toBe(1);
        const run = await waitForEnd(first[0]!.body.runId!);
        expect(['SUCCEEDED', 'SUPERSEDED']).toContain(run.status);
        expect(run.steps.find((s) => s.name === 'build')?.status).toBe(build);
        expect((await runCount()) - runsBefore).toBe(1);

        // Delivered again later: still a duplicate of the same run.
        const again = await deliver(payload, 'delivery-late');
        expect(again).toEqual({
          status: 200,
          body: expect.objectContaining({ duplicate: true, runId: first[0]!.body.runId }),
        });
        expect(tarballFetches() - fetchesBefore).toBe(1);
      },
      180_000,
    );
  });
});
