import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { deliverPush, githubTarball, startGithubStandIn } from '../support/github.ts';
import { expectServes, ROOT, slipway, stateDirFor, stackInfo } from './support.ts';

const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
const STATE = stateDirFor('triggers');
const SECRET = 'e2e webhook secret';
const COMMIT = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe';
const PAGE = '<h1>pushed to main</h1>\n';

type RunSummary = { runId: string; status: string };
type RunView = {
  id: string;
  status: string;
  trigger: { kind: string; commit?: string; ref?: string; source?: string };
  image?: { tags: string[] };
  url?: string;
  steps: { name: string; status: string }[];
};

describe.skipIf(!dockerUp && !CI)('triggers', () => {
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  let api: string;
  const cli = (args: string[]) => slipway(args, { stateDir: STATE });
  const runs = async () => JSON.parse((await cli(['runs', '--app', 'hello', '--json'])).stdout) as RunSummary[];
  const waitForRun = async (runId: string) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const status = await cli(['status', runId, '--json']);
      if (status.code !== 2) {
        const run = JSON.parse(status.stdout) as RunView;
        if (run.status !== 'RUNNING') return run;
      }
      await sleep(100);
    }
    throw new Error(`run ${runId} did not end within 60s`);
  };
  // One push, as GitHub would deliver (and redeliver) it: the same payload every time.
  const pushPayload = {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: COMMIT,
    deleted: false,
    repository: { full_name: 'slipway-examples/hello', pushed_at: Math.floor(Date.now() / 1000) },
    pusher: { name: 'octocat' },
    head_commit: { id: COMMIT, timestamp: new Date().toISOString() },
  };
  const push = (options: { delivery: string; secret?: string; body?: Record<string, unknown> }) =>
    deliverPush(api, options.secret ?? SECRET, options.body ?? pushPayload, options.delivery);

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed). Run scripts/prereqs.sh.`,
      );
    const files = {
      Dockerfile: await readFile(join(ROOT, 'examples/hello/Dockerfile'), 'utf8'),
      'content/index.html': PAGE,
    };
    github = await startGithubStandIn({
      [`slipway-examples/hello@${COMMIT}`]: await githubTarball('slipway-examples/hello', COMMIT, files),
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
  });

  afterAll(async () => {
    expect((await cli(['local', 'down'])).code).toBe(0);
    await github?.close();
  });

  let pushedRun: string;

  it('deploys a signed push to main, tagged with the short commit', async () => {
    const response = await push({ delivery: 'delivery-1' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runs: { app: string; runId: string; duplicate: boolean }[] };
    expect(body).toMatchObject({
      duplicate: false,
      runs: [{ app: 'hello', runId: expect.any(String), duplicate: false }],
    });
    pushedRun = body.runs[0]!.runId;
    const run = await waitForRun(pushedRun);
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      trigger: { kind: 'webhook', commit: COMMIT, ref: 'refs/heads/main', source: 'octocat' },
    });
    expect(run.image?.tags).toContain(`git-${COMMIT.slice(0, 7)}`);
    expect(
      github.requests.some(
        (r) => r.path === `/repos/slipway-examples/hello/tarball/${COMMIT}` && r.authorization === 'Bearer ghp_e2e',
      ),
    ).toBe(true);
    await expectServes(run.url!, PAGE);
  });

  it('starts no second run when the same delivery arrives again', async () => {
    const before = (await runs()).length;
    const response = await push({ delivery: 'delivery-1' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      duplicate: true,
      runId: pushedRun,
      runs: [{ app: 'hello', runId: pushedRun, duplicate: true }],
    });
    await sleep(500);
    expect((await runs()).length).toBe(before);
  });

  it('answers a bad signature with 401 and starts nothing', async () => {
    const before = (await runs()).length;
    const requested = github.requests.length;
    const response = await push({ delivery: 'delivery-2', secret: 'wrong secret' });
    expect(response.status).toBe(401);
    await sleep(500);
    expect((await runs()).length).toBe(before);
    expect(github.requests.length).toBe(requested);
  });

  it('ignores a push to a branch no app follows, saying why', async () => {
    const response = await push({
      delivery: 'delivery-3',
      body: { ref: 'refs/heads/feature', after: COMMIT, repository: { full_name: 'slipway-examples/hello' } },
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      ignored: 'No app follows slipway-examples/hello@feature. Apps following slipway-examples/hello: hello (main).',
    });
  });

  it('rebuilds on a Build Requested event, from the newest context', async () => {
    const rebuild = await cli(['rebuild', '--app', 'hello', '--json']);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    const { runId } = JSON.parse(rebuild.stdout.trim().split('\n')[0]!) as { runId: string };
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', trigger: { kind: 'event', commit: COMMIT } });
    expect(run.steps.find((s) => s.name === 'build')?.status).toBe('SUCCEEDED');
  });

  it('starts one run when the same S3 event is delivered twice', async () => {
    const { bucket } = await stackInfo(STATE);
    const before = (await runs()).length;
    const objectCreated = {
      Source: 'aws.s3',
      DetailType: 'Object Created',
      Detail: JSON.stringify({ bucket: { name: bucket }, object: { key: `contexts/hello/${pushedRun}.tar.gz` } }),
    };
    for (let i = 0; i < 2; i += 1) {
      const put = await fetch(`${api}/_local/events`, {
        method: 'POST',
        body: JSON.stringify({ Entries: [objectCreated] }),
      });
      expect(put.status).toBe(200);
    }
    await sleep(500);
    expect((await runs()).length).toBe(before);
  });
});
