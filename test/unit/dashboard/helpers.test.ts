import { describe, expect, it } from 'vitest';
import { HELPER_NAMES, HELPERS_JS } from '../../../src/dashboard/client/helpers.ts';

type Helpers = Record<(typeof HELPER_NAMES)[number], (...args: never[]) => unknown>;
/** The helpers exactly as the page ships them, evaluated outside a browser. */
const helpers = new Function(`${HELPERS_JS}\nreturn { ${HELPER_NAMES.join(', ')} };`)() as Helpers;
const call = <T>(name: (typeof HELPER_NAMES)[number], ...args: unknown[]): T =>
  (helpers[name] as (...a: unknown[]) => T)(...args);

const RUN = '01JDQ8ZV7N2W4Y6A8C0E2G4J61';

describe('parseRoute', () => {
  it.each([
    ['', { view: 'runs', filters: { app: '', status: '' } }],
    ['#/apps', { view: 'apps', filters: { app: '', status: '' } }],
    ['#/runs?app=web&status=failed', { view: 'runs', filters: { app: 'web', status: 'FAILED' } }],
    [`#/runs/${RUN}?app=web`, { view: 'run', runId: RUN, filters: { app: 'web', status: '' } }],
    [`#${RUN}`, { view: 'run', runId: RUN, filters: { app: '', status: '' } }],
    ['#/runs?status=BOGUS', { view: 'runs', filters: { app: '', status: '' } }],
    ['#/runs/not-a-run', { view: 'runs', filters: { app: '', status: '' } }],
  ])('%s', (hash, route) => {
    expect(call('parseRoute', hash)).toEqual(route);
  });

  it('reads back what routeHash writes', () => {
    const route = { view: 'run', runId: RUN, filters: { app: 'my app', status: 'RUNNING' } };
    expect(call('parseRoute', call('routeHash', route))).toEqual(route);
  });
});

describe('filterRuns', () => {
  it('keeps the runs of the app and status asked for', () => {
    const runs = [
      { app: 'web', status: 'FAILED' },
      { app: 'web', status: 'SUCCEEDED' },
      { app: 'api', status: 'FAILED' },
    ];
    expect(call('filterRuns', runs, { app: 'web', status: 'FAILED' })).toEqual([{ app: 'web', status: 'FAILED' }]);
    expect(call('filterRuns', runs, { app: '', status: '' })).toEqual(runs);
  });
});

type Block = { kind: string; start: number; lines: string[]; summary?: string };
const echo = (text: string) => `[Container] 2024/05/01 10:00:00.123456 ${text}`;

describe('foldLog', () => {
  it("folds CodeBuild's echo into a summary and keeps docker's output in sight", () => {
    const lines = [
      echo('Entering phase BUILD'),
      echo('Running command docker build --tag 1234.dkr.ecr.eu-west-1.amazonaws.com/hello:latest .'),
      '#1 [internal] load build definition from Dockerfile',
      '#1 DONE 0.0s',
      echo('Phase complete: BUILD State: SUCCEEDED'),
      echo('Phase context status code:  Message: '),
    ];

    const blocks = call<Block[]>('foldLog', lines);

    expect(blocks.map((b) => [b.kind, b.start, b.lines.length])).toEqual([
      ['echo', 0, 2],
      ['output', 2, 2],
      ['echo', 4, 2],
    ]);
    expect(blocks[0]!.summary).toBe(
      'BUILD: docker build --tag 1234.dkr.ecr.eu-west-1.amazonaws.com/hello:latest . · 2 CodeBuild lines',
    );
    expect(blocks[2]!.summary).toBe('2 CodeBuild lines');
  });

  it('keeps the echo lines that report a failure in sight', () => {
    const lines = [
      echo('Command did not exit successfully docker build . exit status 1'),
      echo('Phase complete: BUILD State: FAILED'),
      echo(
        'Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: docker build .. Reason: exit status 1',
      ),
    ];

    expect(call<Block[]>('foldLog', lines).map((b) => b.kind)).toEqual(['failure']);
  });

  it('counts the commands it does not name', () => {
    const lines = ['a', 'b', 'c', 'd'].map((c) => echo(`Running command echo ${c}`));
    expect(call<Block[]>('foldLog', lines)[0]!.summary).toBe('echo a ; echo b (+2 more) · 4 CodeBuild lines');
  });
});

const at = (seconds: number) => new Date(Date.parse('2026-11-30T10:00:00Z') + seconds * 1000).toISOString();
type Timeline = {
  seconds: number;
  rows: { name: string; left?: number; width?: number; seconds?: number }[];
  ticks: { at: number; label: string }[];
};

describe('timeline', () => {
  const run = {
    startedAt: at(0),
    endedAt: at(100),
    steps: [
      { name: 'prepare', status: 'SUCCEEDED', startedAt: at(0), endedAt: at(10), retries: 0 },
      { name: 'build', status: 'SUCCEEDED', startedAt: at(20), endedAt: at(80), retries: 2 },
      { name: 'rollout', status: 'SKIPPED', retries: 0 },
    ],
  };

  it('places each step by its start offset and sizes it by its duration, over the whole run', () => {
    const t = call<Timeline>('timeline', run, Date.parse(at(500)));

    expect(t.seconds).toBe(100);
    expect(t.rows.map((r) => [r.name, r.left, r.width, r.seconds])).toEqual([
      ['prepare', 0, 0.1, 10],
      ['build', 0.2, 0.6, 60],
      ['rollout', undefined, undefined, undefined],
    ]);
  });

  it('draws no bar for a skipped step, even one that was entered, and keeps why it was skipped', () => {
    const unchanged = {
      startedAt: at(0),
      endedAt: at(10),
      steps: [
        { name: 'prepare', status: 'SUCCEEDED', startedAt: at(0), endedAt: at(8), retries: 0 },
        { name: 'deploy', status: 'SKIPPED', startedAt: at(8), endedAt: at(10), retries: 0, reason: 'unchanged' },
      ],
    };

    const t = call<Timeline>('timeline', unchanged, Date.parse(at(500)));

    expect(t.rows[1]).toEqual({ name: 'deploy', status: 'SKIPPED', retries: 0, reason: 'unchanged' });
  });

  it('stretches a running step and the run to now', () => {
    const running = {
      startedAt: at(0),
      steps: [{ name: 'build', status: 'RUNNING', startedAt: at(10), endedAt: at(15), retries: 0 }],
    };

    const t = call<Timeline>('timeline', running, Date.parse(at(40)));

    expect(t.rows[0]).toMatchObject({ left: 0.25, width: 0.75, seconds: 30 });
  });

  it('marks the axis at round intervals', () => {
    expect(call<Timeline>('timeline', run, 0).ticks.map((t) => t.label)).toEqual(['0', '30s', '1m 00s', '1m 30s']);
  });
});

describe('sparkline', () => {
  it('draws the newest run at the right edge, heights relative to the longest run', () => {
    const runs = [
      { runId: 'new', status: 'FAILED', seconds: 10 },
      { runId: 'old', status: 'SUCCEEDED', seconds: 40 },
    ];

    const bars = call<{ runId: string; x: number; h: number; status: string }[]>('sparkline', runs, {
      width: 100,
      height: 21,
      slots: 10,
    });

    expect(bars.map((b) => [b.runId, b.status, b.x, b.h])).toEqual([
      ['old', 'SUCCEEDED', 81, 20],
      ['new', 'FAILED', 91, 5],
    ]);
  });
});

describe('nextDelay', () => {
  it.each([
    [0, false, 1000],
    [1000, false, 1600],
    [6000, false, 8000],
    [8000, true, 1000],
  ])('after %i ms, changed=%s → %i ms', (previous, changed, expected) => {
    expect(call('nextDelay', previous, { changed, min: 1000, max: 8000 })).toBe(expected);
  });
});

describe('formatting', () => {
  it.each([
    [9.25, '9.3s'],
    [42, '42s'],
    [75.4, '1m 15s'],
    [119.6, '2m 00s'],
    [3725, '1h 02m'],
  ])('duration(%s) → %s', (seconds, text) => {
    expect(call('duration', seconds)).toBe(text);
  });

  it('shortens a digest as docker does', () => {
    expect(call('shortDigest', `sha256:0123456789ab${'cd'.repeat(26)}`)).toBe('0123456789ab');
  });

  it.each([
    ['http://127.0.0.1:8081', 'http://127.0.0.1:8081/'],
    ['https://web.example/x', 'https://web.example/x'],
    ['javascript:alert(1)', undefined],
    ['not a url', undefined],
  ])('links %s as %s', (url, href) => {
    expect(call('safeHref', url)).toBe(href);
  });
});
