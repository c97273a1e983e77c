import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { expectServes, helloCopy, lastLine, ROOT, slipway, STATE_DIR, stackInfo } from './support.ts';

const CHROMIUM = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
const page = (text: string) => `<h1>${text}</h1>\n`;

type Event = {
  type: string;
  step?: string;
  status?: string;
  line?: string;
  runId?: string;
  url?: string;
  run?: { error?: { step: string; message: string } };
};
const events = (stdout: string): Event[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);

describe.skipIf(!dockerUp && !CI)('watching a run', () => {
  let app: string;
  let firstRun: string;
  let url: string;

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed). Run scripts/prereqs.sh.`,
      );
    await rm(STATE_DIR, { recursive: true, force: true });
    const up = await slipway(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
    app = await helloCopy();
  });

  afterAll(async () => {
    expect((await slipway(['local', 'down'])).code).toBe(0);
  });

  it('streams JSON events in order: upload, each step, build output, done', async () => {
    const deploy = await slipway(['deploy', app, '--app', 'hello', '--json']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const stream = events(deploy.stdout);
    expect(stream[0]).toMatchObject({ type: 'upload' });
    expect(stream.at(-1)).toMatchObject({
      type: 'done',
      status: 'SUCCEEDED',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    const steps = stream.filter((e) => e.type === 'step').map((e) => `${e.step}:${e.status}`);
    expect(steps).toEqual([
      'prepare:RUNNING',
      'prepare:SUCCEEDED',
      'build:RUNNING',
      'build:SUCCEEDED',
      'lifecycle:RUNNING',
      'lifecycle:SUCCEEDED',
      'deploy:RUNNING',
      'deploy:SUCCEEDED',
      'rollout:RUNNING',
      'rollout:SUCCEEDED',
    ]);
    const logs = stream.filter((e) => e.type === 'log').map((e) => e.line);
    expect(logs.some((l) => l?.includes('Entering phase BUILD'))).toBe(true);
    expect(logs.some((l) => /digest: sha256:[0-9a-f]{64}/.test(l ?? ''))).toBe(true);
    // Build output sits between the build starting and the build ending.
    const index = (predicate: (e: Event) => boolean) => stream.findIndex(predicate);
    expect(index((e) => e.type === 'log')).toBeGreaterThan(index((e) => e.step === 'build' && e.status === 'RUNNING'));
    expect(stream.findLastIndex((e) => e.type === 'log')).toBeLessThan(
      index((e) => e.step === 'build' && e.status === 'SUCCEEDED'),
    );
    firstRun = stream[0]!.runId!;
    url = stream.at(-1)!.url!;
  });

  it('prints plain lines without escape codes when stdout is not a terminal', async () => {
    await writeFile(join(app, 'content/index.html'), page('second'));
    const deploy = await slipway(['deploy', app, '--app', 'hello']);
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).not.toContain('\u001b[');
    expect(deploy.stdout).toContain('  │ ');
    expect(deploy.stdout).toMatch(/^deployed hello in \d+\.\ds: run /m);
    expect(lastLine(deploy.stdout)).toBe(`url: ${url}`);
  });

  it('returns the same lines from logs as the build produced, resumably', async () => {
    const deploy = await slipway(['status', firstRun, '--follow', '--json']);
    const followed = events(deploy.stdout)
      .filter((e) => e.type === 'log')
      .map((e) => e.line);
    const logs = await slipway(['logs', firstRun]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.trimEnd().split('\n')).toEqual(followed);
    const { api } = await stackInfo();
    const first = (await (await fetch(`${api}/runs/${firstRun}/logs`)).json()) as {
      lines: string[];
      cursor: string;
      done: boolean;
    };
    expect(first.done).toBe(true);
    const again = (await (await fetch(`${api}/runs/${firstRun}/logs?cursor=${first.cursor}`)).json()) as {
      lines: string[];
      done: boolean;
    };
    expect(again).toMatchObject({ lines: [], done: true });
  });

  it('shows the last build lines in the summary of a failed build', async () => {
    const broken = await helloCopy();
    await writeFile(
      join(broken, 'Dockerfile'),
      'FROM busybox\nRUN echo "error: cannot find module left-pad" && exit 7\n',
    );
    const deploy = await slipway(['deploy', broken, '--app', 'hello']);
    expect(deploy.code).toBe(1);
    const summary = deploy.stdout.slice(deploy.stdout.indexOf('FAILED in'));
    expect(summary).toContain('in build: BuildFailedError');
    expect(summary).toContain('Last build output:');
    expect(summary).toContain('error: cannot find module left-pad');
    expect(summary).toContain('still serving: revision 2');
  });

  it('rolls back to the earlier content without a build step running', async () => {
    const rollback = await slipway(['rollback', '--app', 'hello', '--json']);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    const stream = events(rollback.stdout);
    expect(stream[0]).toMatchObject({ type: 'rollback', rollbackTo: firstRun });
    expect(stream.filter((e) => e.type === 'step' && e.step === 'build').map((e) => e.status)).toEqual(['SKIPPED']);
    expect(stream.some((e) => e.type === 'log')).toBe(false);
    await expectServes(url, await readFile(join(ROOT, 'examples/hello/content/index.html'), 'utf8'));
  });

  it.skipIf(!existsSync(CHROMIUM) && !CI)('shows a deploy on the dashboard, its steps reaching SUCCEEDED', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`CI=true and Chromium is not at ${CHROMIUM}: .ci/run installs it (apt-get install chromium).`);
    const { chromium } = await import('playwright-core');
    const { api } = await stackInfo();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await tab.goto(`${api}/`);
      const newest = async () =>
        ((await (await fetch(`${api}/runs?app=hello&limit=1`)).json()) as { runs: { runId: string }[] }).runs[0]
          ?.runId ?? '';
      const before = await newest();
      await writeFile(join(app, 'content/index.html'), page('dashboard'));
      const deploy = slipway(['deploy', app, '--app', 'hello', '--json']);
      const runId = await (async () => {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const latest = await newest();
          if (latest > before) return latest;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('the deploy never appeared in /runs');
      })();
      expect((await deploy).code).toBe(0);
      await tab.locator(`a[data-run="${runId}"]`).click();
      await tab.locator('#run-id').filter({ hasText: runId }).waitFor({ timeout: 15_000 });
      for (const step of ['prepare', 'build', 'lifecycle', 'deploy', 'rollout']) {
        await tab
          .locator(`li[data-step="${step}"] .status`)
          .filter({ hasText: 'SUCCEEDED' })
          .waitFor({ timeout: 15_000 });
      }
      await tab.locator('#log').filter({ hasText: 'Entering phase BUILD' }).waitFor({ timeout: 15_000 });
      const shots = await mkdtemp(join(tmpdir(), 'slipway-dashboard-'));
      const shot = join(shots, 'dashboard.png');
      await tab.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
      expect(await tab.locator('main').innerText()).toContain(runId);
    } finally {
      await browser.close();
    }
  });
});
