import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAILED,
  INJECTION,
  RUNNING,
  startFixtureApi,
  SUCCEEDED,
  SUCCEEDED_STEPS,
  UNCHANGED,
  type FixtureApi,
} from './dashboard-fixtures.ts';

const CHROMIUM = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Polls `check` until it holds or the deadline passes; no fixed sleeps. */
async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await page.locator(selector).boundingBox();
  if (!found) throw new Error(`${selector} is not visible`);
  return found;
}

describe.skipIf(!existsSync(CHROMIUM) && !CI)('dashboard page', () => {
  let api: FixtureApi;
  let browser: Browser;
  let page: Page;
  let shots: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`CI=true and Chromium is not at ${CHROMIUM}: .ci/run installs it (apt-get install chromium).`);
    const { chromium } = await import('playwright-core');
    api = await startFixtureApi();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    shots = process.env.SLIPWAY_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'slipway-dashboard-')));
    await mkdir(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (error) => {
      throw error;
    });
  });

  afterEach(async () => {
    await page.close();
  });

  async function screenshot(name: string): Promise<void> {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    expect((await stat(path)).size).toBeGreaterThan(10_000);
  }

  it('lists both apps with links to where they serve and a sparkline of their runs', async () => {
    await page.goto(`${api.url}/#/apps`);
    await page.locator('tr[data-app="worker"]').waitFor();

    expect(
      await page.locator('tr[data-app]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-app'))),
    ).toEqual(['web', 'worker']);
    expect(await page.locator('tr[data-app="web"] a.url').getAttribute('href')).toBe('http://web.example.test/');
    expect(await page.locator('tr[data-app="worker"] a.url').getAttribute('href')).toBe('http://worker.example.test/');
    expect(await page.locator('tr[data-app="web"] .digest').innerText()).toBe('3f5a9c0e7b21');
    expect(await page.locator('tr[data-app="web"] .tasks').innerText()).toBe('2/2 running');
    // web: the running run, the succeeded one and four older ones; worker: the failed one.
    expect(await page.locator('tr[data-app="web"] svg.spark rect').count()).toBe(6);
    expect(await page.locator('tr[data-app="worker"] svg.spark rect.FAILED').count()).toBe(1);
    await screenshot('apps');
  });

  it('draws sparkline bars as tall as their runs were long', async () => {
    await page.goto(`${api.url}/#/apps`);
    await page.locator('tr[data-app="web"] svg.spark rect').first().waitFor();

    const heights = await page
      .locator('tr[data-app="web"] svg.spark rect')
      .evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().height));
    // Oldest first: 88 s, 70 s, 140 s (the longest, full height), 95 s, then the succeeded 100 s and the running one.
    expect(heights[2]).toBeCloseTo(27, 0);
    expect(heights[0]! / heights[2]!).toBeCloseTo(88 / 140, 1);
  });

  it("draws a run's steps as bars to scale: start offset and width proportional to time", async () => {
    await page.goto(`${api.url}/#/runs/${SUCCEEDED}`);
    await page.locator('#run-id').filter({ hasText: SUCCEEDED }).waitFor();

    const track = await box(page, 'li[data-step="build"] .track');
    const bars = Object.fromEntries(
      await Promise.all(
        Object.keys(SUCCEEDED_STEPS).map(
          async (name) => [name, await box(page, `li[data-step="${name}"] .bar`)] as const,
        ),
      ),
    );
    // build took 60 s, prepare 10 s, rollout 20 s of a 100 s run.
    expect(bars.build!.width / bars.prepare!.width).toBeGreaterThan(5.8);
    expect(bars.build!.width / bars.prepare!.width).toBeLessThan(6.2);
    expect(bars.build!.width / bars.rollout!.width).toBeCloseTo(3, 1);
    expect(bars.build!.width / track.width).toBeCloseTo(0.6, 2);
    expect((bars.build!.x - track.x) / track.width).toBeCloseTo(0.12, 2);
    expect((bars.rollout!.x - track.x) / track.width).toBeCloseTo(0.8, 2);
    expect(await page.locator('li[data-step="build"] .retries').innerText()).toContain('1');
    await screenshot('run-succeeded');
  });

  it("folds CodeBuild's command echo and keeps docker's output visible", async () => {
    await page.goto(`${api.url}/#/runs/${SUCCEEDED}`);
    await page.locator('#log pre.output').first().waitFor();

    expect(await page.locator('#log').innerText()).toContain('#1 [internal] load build definition from Dockerfile');
    expect(await page.locator('#log pre.output', { hasText: 'latest: digest: sha256:3f5a9c0e7b21' }).isVisible()).toBe(
      true,
    );
    const folds = page.locator('#log details.echo');
    // Before the build's output, around docker push, and after: three runs of echo lines.
    expect(await folds.count()).toBe(3);
    expect(await folds.evaluateAll((all) => all.every((d) => !d.hasAttribute('open')))).toBe(true);
    expect(await page.locator('#log details.echo pre', { hasText: 'Waiting for agent ping' }).isVisible()).toBe(false);
    expect(await folds.first().locator('summary').innerText()).toBe(
      'BUILD: docker build --tag "$REPOSITORY_URI:latest" --file Dockerfile . · 6 CodeBuild lines',
    );

    // Folded lines stay in the page's text: what test/e2e/watching.test.ts waits for on the real stack.
    await page.locator('#log').filter({ hasText: 'Entering phase BUILD' }).waitFor({ timeout: 2000 });

    await folds.first().locator('summary').click();
    expect(await page.locator('#log details.echo pre', { hasText: 'Waiting for agent ping' }).isVisible()).toBe(true);
  });

  it('shows a failed run with its error as text, never as markup', async () => {
    await page.goto(`${api.url}/#/runs/${FAILED}`);
    await page.locator('#run-id').filter({ hasText: FAILED }).waitFor();

    expect(await page.locator('main .error').innerText()).toContain(INJECTION);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.locator('#log pre.failure').innerText()).toContain('State: FAILED');
    expect(await page.locator('li[data-step="deploy"] .idle').innerText()).toBe('skipped');
    await screenshot('run-failed');
  });

  it('shows an unchanged run: what already serves, and each skipped step with why, without a bar', async () => {
    await page.goto(`${api.url}/#/runs/${UNCHANGED}`);
    await page.locator('#run-id').filter({ hasText: UNCHANGED }).waitFor();

    expect(await page.locator('main .outcome .unchanged').innerText()).toMatch(
      /^unchanged: sha256:3f5a9c0e7b21\S+ already serves \(revision 12\): nothing was built or deployed$/,
    );
    expect(await page.locator('li[data-step="build"] .idle').innerText()).toMatch(
      /^skipped: the repository holds sha256:3f5a9c0e7b21\S+ for this build key/,
    );
    expect(await page.locator('li[data-step="deploy"] .idle').innerText()).toMatch(/^skipped: unchanged: sha256:/);
    expect(await page.locator('li[data-step="deploy"] .bar').count()).toBe(0);
    await screenshot('run-unchanged');
  });

  it('narrows the runs list by status and by app, and says so in the URL', async () => {
    await page.goto(`${api.url}/`);
    await page.locator(`a[data-run="${FAILED}"]`).waitFor();
    expect(await page.locator('a[data-run]').count()).toBe(7);

    await page.selectOption('#filter-status', 'SUCCEEDED');
    await eventually(async () => (await page.locator('a[data-run]').count()) === 4, 'the succeeded runs only');
    expect(new URL(page.url()).hash).toBe('#/runs?status=SUCCEEDED');
    expect(
      await page
        .locator('a[data-run]')
        .evaluateAll((links) => links.every((a) => a.getAttribute('data-status') === 'SUCCEEDED')),
    ).toBe(true);

    await page.selectOption('#filter-app', 'worker');
    await page.locator('p.count').filter({ hasText: '0 runs match' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/runs?app=worker&status=SUCCEEDED');
    expect(api.requests).toContain('/runs?limit=50&app=worker');

    await page.goto(`${api.url}/#/runs?app=worker&status=FAILED`);
    await page.locator(`a[data-run="${FAILED}"]`).waitFor();
    expect(await page.locator('a[data-run]').count()).toBe(1);
    expect(await page.locator('#filter-status').inputValue()).toBe('FAILED');
    await screenshot('runs-filtered');
  });

  it('follows a run in progress live and stops polling once it ends', async () => {
    const from = api.requests.length;
    await page.goto(`${api.url}/#/runs/${RUNNING}`);
    await page.locator('li[data-step="build"] .status').filter({ hasText: 'RUNNING' }).waitFor();
    expect(await page.locator('li[data-step="build"] .bar.RUNNING').count()).toBe(1);
    expect(await page.locator('li[data-step="deploy"] .idle').innerText()).toBe('pending');
    // Nothing changes while the build runs: each look comes later than the one before (1 s, 1.6 s, 2.6 s).
    const looks = () => api.requests.flatMap((r, i) => (i >= from && r === `/runs/${RUNNING}` ? [api.times[i]!] : []));
    const seen = await eventually(async () => (looks().length >= 4 ? looks() : undefined), 'four looks at the run');
    const gaps = seen.slice(1, 4).map((t, i) => t - seen[i]!);
    // The first look also reads the whole build log so far: its gap is the delay plus that.
    expect(gaps[1]!, `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]! / gaps[1]!, `gaps ${gaps.join(', ')} ms`).toBeGreaterThan(1.3);
    await screenshot('run-in-progress');

    api.finishRunning();
    await page.locator('li[data-step="rollout"] .status').filter({ hasText: 'SUCCEEDED' }).waitFor({ timeout: 15_000 });
    await page.locator('#log details.echo').last().waitFor();
    await eventually(
      async () => !((await page.locator('body').getAttribute('data-polling')) ?? '').split(' ').includes('run'),
      'the run poller to stop',
    );

    const asked = () => api.requests.filter((r) => r.startsWith(`/runs/${RUNNING}`)).length;
    const before = asked();
    await page.waitForTimeout(3000);
    expect(asked()).toBe(before);
    expect(await page.locator('#live').innerText()).toContain('not polling');
  });
});
