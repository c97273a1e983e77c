import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import type { RunView } from '../../src/domain/run-view.ts';
import { deliverPush, githubTarball, startGithubStandIn } from '../support/github.ts';
import {
  expectServes,
  helloCopy,
  lastLine,
  projectWith,
  ROOT,
  slipway,
  stackInfo,
  stateDirFor,
  type CliResult,
} from './support.ts';

/**
 * Content-addressed builds on the real local stack: a redeploy of unchanged files starts no build and no
 * rollout, --rebuild builds anyway, and a monorepo push that changes only another app's folder builds nothing.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
const STATE = stateDirFor('build-keys');
const SECRET = 'e2e build-key webhook secret';
const SERVICE = { port: 8080, healthCheck: { path: '/', timeoutSeconds: 30 } };
const CONFIG = {
  apps: {
    hello: { service: SERVICE },
    web: {
      contextPath: 'services/web',
      triggers: { github: { repository: 'octo/mono', branch: 'main' } },
      service: SERVICE,
    },
  },
};
const COMMIT_A = 'a1'.repeat(20);
const COMMIT_B = 'b2'.repeat(20);
const WEB_PAGE = '<h1>web, from the monorepo</h1>\n';

describe.skipIf(!dockerUp && !CI)('build keys', () => {
  let project: string;
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  let app: string;
  let url: string;
  const cli = (args: string[]): Promise<CliResult> => slipway(args, { stateDir: STATE, cwd: project });
  const view = async (runId: string) => JSON.parse((await cli(['status', runId, '--json'])).stdout) as RunView;
  const runIdOf = (deploy: CliResult) => /uploaded: run (\S+)/.exec(deploy.stdout)?.[1] ?? '';
  /** What the build runner and the container service have recorded: builds started, deployments, revisions. */
  const recorded = async () => ({
    builds: (await readdir(join(STATE, 'builds')).catch(() => [])).length,
    deployments: await filesUnder(join(STATE, 'services', 'deployments')),
    revisions: await filesUnder(join(STATE, 'services', 'task-definitions')),
  });

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed): the e2e suite needs it. Run scripts/prereqs.sh.`,
      );
    const dockerfile = await readFile(join(ROOT, 'examples/hello/Dockerfile'), 'utf8');
    const monorepo = (api: string) => ({
      'services/web/Dockerfile': dockerfile,
      'services/web/content/index.html': WEB_PAGE,
      'services/api/main.go': api,
      'README.md': `# mono\n${api}`,
    });
    github = await startGithubStandIn({
      [`octo/mono@${COMMIT_A}`]: await githubTarball('octo/mono', COMMIT_A, monorepo('package main\n')),
      [`octo/mono@${COMMIT_B}`]: await githubTarball('octo/mono', COMMIT_B, monorepo('package main // v2\n')),
    });
    project = await projectWith(CONFIG);
    app = await helloCopy();
    await rm(STATE, { recursive: true, force: true });
    const up = await slipway(['local', 'up'], {
      stateDir: STATE,
      cwd: project,
      env: {
        SLIPWAY_GITHUB_WEBHOOK_SECRET: SECRET,
        SLIPWAY_GITHUB_TOKEN: 'ghp_e2e',
        SLIPWAY_GITHUB_API_URL: github.url,
      },
    });
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    await cli(['local', 'down']);
    await github?.close();
    await rm(STATE, { recursive: true, force: true });
  });

  it('builds a first deploy and tags its image with the build key', async () => {
    const deploy = await cli(['deploy', app, '--app', 'hello']);

    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(/packed .*, build key [0-9a-f]{12}\n/);
    url = lastLine(deploy.stdout).slice('url: '.length);
    const run = await view(runIdOf(deploy));
    expect(run.steps.find((s) => s.name === 'build')?.status).toBe('SUCCEEDED');
    expect(run.image?.tags).toContainEqual(expect.stringMatching(/^key-[0-9a-f]{64}$/));
  });

  it('redeploys unchanged files without a build or a rollout: the run says what already serves', async () => {
    const before = await recorded();
    // Writing the files again changes their times, which the build key leaves out.
    for (const file of ['Dockerfile', 'content/index.html'])
      await writeFile(join(app, file), await readFile(join(app, file)));

    const deploy = await cli(['deploy', app, '--app', 'hello']);

    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(/^unchanged: sha256:[0-9a-f]{64} already serves \(app hello, run \S+ in [\d.]+s\)$/m);
    expect(deploy.stdout).toMatch(/^· build skipped: the repository holds sha256:[0-9a-f]{64} for this build key/m);
    expect(lastLine(deploy.stdout)).toBe(`url: ${url}`);
    const run = await view(runIdOf(deploy));
    expect(run).toMatchObject({ status: 'SUCCEEDED', unchanged: { message: expect.stringMatching(/^unchanged: /) } });
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['build', 'SKIPPED'],
      ['lifecycle', 'SKIPPED'],
      ['deploy', 'SKIPPED'],
      ['rollout', 'SKIPPED'],
    ]);
    expect(await recorded()).toEqual(before);
    await expectServes(url, await readFile(join(app, 'content/index.html'), 'utf8'));
  });

  it('notes the unchanged run in slipway runs', async () => {
    const runs = await cli(['runs', '--app', 'hello']);

    expect(runs.stdout.split('\n')[0]).toContain('SUCCEEDED (unchanged)');
  });

  it('builds anyway with --rebuild', async () => {
    const before = await recorded();

    const deploy = await cli(['deploy', app, '--app', 'hello', '--rebuild']);

    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    const run = await view(runIdOf(deploy));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.steps.find((s) => s.name === 'build')?.status).toBe('SUCCEEDED');
    expect((await recorded()).builds).toBe(before.builds + 1);
    expect(lastLine(deploy.stdout)).toBe(`url: ${url}`);
  });

  it('builds the first push of a monorepo app from its contextPath', async () => {
    const response = await push(COMMIT_A, 'delivery-a');
    expect(response.status).toBe(202);
    const runId = ((await response.json()) as { runs: { runId: string }[] }).runs[0]!.runId;

    const run = await until(runId);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.steps.find((s) => s.name === 'build')?.status).toBe('SUCCEEDED');
    await expectServes(run.url!, WEB_PAGE);
  });

  it("builds nothing for a push that changes only another app's folder: the run says unchanged", async () => {
    const before = await recorded();

    const response = await push(COMMIT_B, 'delivery-b');
    expect(response.status).toBe(202);
    const runId = ((await response.json()) as { runs: { runId: string }[] }).runs[0]!.runId;
    const run = await until(runId);

    expect(run).toMatchObject({ status: 'SUCCEEDED', trigger: { kind: 'webhook', commit: COMMIT_B } });
    expect(run.unchanged?.message).toMatch(/^unchanged: sha256:[0-9a-f]{64} already serves$/);
    expect(run.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SKIPPED' });
    expect(await recorded()).toEqual(before);
  });

  /** Deliver a signed push of `commit` to octo/mono's main, as GitHub would. */
  async function push(commit: string, delivery: string): Promise<Response> {
    const payload = {
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: commit,
      repository: { full_name: 'octo/mono', pushed_at: Math.floor(Date.now() / 1000) },
      pusher: { name: 'octocat' },
      head_commit: { id: commit, timestamp: new Date().toISOString() },
    };
    return deliverPush((await stackInfo(STATE)).api, SECRET, payload, delivery);
  }

  /** The run once it has ended (status --follow waits for it and exits when it does). */
  async function until(runId: string): Promise<RunView> {
    const followed = await cli(['status', runId, '--follow', '--json']);
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
    return view(runId);
  }
});

/** How many files are under `dir`, at any depth (0 when it does not exist). */
async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}
