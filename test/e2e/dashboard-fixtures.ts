import { createServer, type Server } from 'node:http';
import type { AppRun, AppSummary } from '../../src/use-cases/apps.ts';
import { DASHBOARD_HTML } from '../../src/dashboard/page.ts';
import type { ExecutionSummary } from '../../src/domain/execution.ts';
import type { RunView, StepView } from '../../src/domain/run-view.ts';

/** The dashboard's API answered from fixed data: two apps, a succeeded run, a failed one and one in progress. */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (start: number, seconds: number) => new Date(start + seconds * 1000).toISOString();
const DIGEST = `sha256:3f5a9c0e7b21${'0d'.repeat(26)}`;
const OLD_DIGEST = `sha256:9e1d44b0c6aa${'7c'.repeat(26)}`;

export const SUCCEEDED = '01JDQ8ZV7N2W4Y6A8C0E2G4J6S';
export const FAILED = '01JDQ8ZV7N2W4Y6A8C0E2G4J6F';
export const RUNNING = '01JDQ8ZV7N2W4Y6A8C0E2G4J6R';
export const INJECTION = '<img src=x onerror="window.__injected=1">';
/** A run whose image already served: shown on its own page only (the lists hold the three above). */
export const UNCHANGED = '01JDQ8ZV7N2W4Y6A8C0E2G4J6N';

const step = (
  name: StepView['name'],
  status: StepView['status'],
  start?: number,
  from?: number,
  to?: number,
  retries = 0,
): StepView => ({
  name,
  status,
  ...(start !== undefined && from !== undefined && { startedAt: at(start, from) }),
  ...(start !== undefined && to !== undefined && { endedAt: at(start, to) }),
  retries,
});

const succeededStart = NOW - 10 * 60_000;
const failedStart = NOW - 30 * 60_000;
const runningStart = NOW - 40_000;

/** Step timings of the succeeded run, in seconds from its start: prepare 10 s, build 60 s (one retry), rollout 20 s. */
export const SUCCEEDED_STEPS = {
  prepare: [0, 10],
  build: [12, 72],
  lifecycle: [72, 77],
  deploy: [77, 80],
  rollout: [80, 100],
} as const;

function succeededRun(): RunView {
  const s = SUCCEEDED_STEPS;
  return {
    id: SUCCEEDED,
    app: 'web',
    status: 'SUCCEEDED',
    startedAt: at(succeededStart, 0),
    endedAt: at(succeededStart, 100),
    trigger: { kind: 'upload', source: 'ada' },
    steps: [
      step('prepare', 'SUCCEEDED', succeededStart, ...s.prepare),
      step('build', 'SUCCEEDED', succeededStart, s.build[0], s.build[1], 1),
      step('lifecycle', 'SUCCEEDED', succeededStart, ...s.lifecycle),
      step('deploy', 'SUCCEEDED', succeededStart, ...s.deploy),
      step('rollout', 'SUCCEEDED', succeededStart, ...s.rollout),
    ],
    build: { id: 'slipway-build:1', status: 'SUCCEEDED', phase: 'COMPLETED' },
    image: { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web', digest: DIGEST, tags: ['latest'] },
    deployment: {
      id: 'ecs-svc/1',
      taskDefinition: 'web:12',
      revision: 12,
      state: 'COMPLETED',
      runningCount: 2,
      desiredCount: 2,
      deadline: at(succeededStart, 700),
    },
    url: 'http://web.example.test',
  };
}

function failedRun(): RunView {
  return {
    id: FAILED,
    app: 'worker',
    status: 'FAILED',
    startedAt: at(failedStart, 0),
    endedAt: at(failedStart, 36),
    trigger: { kind: 'webhook', source: 'grace' },
    steps: [
      step('prepare', 'SUCCEEDED', failedStart, 0, 5),
      step('build', 'FAILED', failedStart, 5, 35),
      step('lifecycle', 'SKIPPED'),
      step('deploy', 'SKIPPED'),
      step('rollout', 'SKIPPED'),
    ],
    build: { id: 'slipway-build:2', status: 'FAILED', phase: 'BUILD' },
    error: { step: 'build', name: 'BuildFailedError', message: `The build failed in phase BUILD: ${INJECTION}` },
    serving: { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker@${OLD_DIGEST}`, revision: 3 },
  };
}

function unchangedRun(): RunView {
  const start = NOW - 5 * 60_000;
  const reason = `unchanged: ${DIGEST} already serves`;
  return {
    id: UNCHANGED,
    app: 'web',
    status: 'SUCCEEDED',
    startedAt: at(start, 0),
    endedAt: at(start, 3),
    trigger: { kind: 'upload', source: 'ada' },
    steps: [
      step('prepare', 'SUCCEEDED', start, 0, 2),
      { ...step('build', 'SKIPPED'), reason: `the repository holds ${DIGEST} for this build key (key-3f5a9c0e7b21…)` },
      { ...step('lifecycle', 'SKIPPED'), reason: 'no new image' },
      { ...step('deploy', 'SKIPPED', start, 2, 3), reason },
      { ...step('rollout', 'SKIPPED'), reason },
    ],
    image: { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web', digest: DIGEST, tags: [] },
    unchanged: { digest: DIGEST, taskDefinition: 'web:12', revision: 12, message: reason },
    url: 'http://web.example.test',
  };
}

function runningRun(done: boolean): RunView {
  const steps = done
    ? [
        step('prepare', 'SUCCEEDED', runningStart, 0, 8),
        step('build', 'SUCCEEDED', runningStart, 9, 45),
        step('lifecycle', 'SUCCEEDED', runningStart, 45, 46),
        step('deploy', 'SUCCEEDED', runningStart, 46, 48),
        step('rollout', 'SUCCEEDED', runningStart, 48, 60),
      ]
    : [
        step('prepare', 'SUCCEEDED', runningStart, 0, 8),
        step('build', 'RUNNING', runningStart, 9, 20),
        step('lifecycle', 'PENDING'),
        step('deploy', 'PENDING'),
        step('rollout', 'PENDING'),
      ];
  return {
    id: RUNNING,
    app: 'web',
    status: done ? 'SUCCEEDED' : 'RUNNING',
    startedAt: at(runningStart, 0),
    ...(done && { endedAt: at(runningStart, 60) }),
    trigger: { kind: 'upload', source: 'ada' },
    steps,
    build: { id: 'slipway-build:3', status: done ? 'SUCCEEDED' : 'IN_PROGRESS', phase: done ? 'COMPLETED' : 'BUILD' },
  };
}

const echo = (text: string) => `[Container] 2026/11/30 10:00:00.123456 ${text}`;
const BUILD_LOG = [
  echo('Running on CodeBuild On-demand'),
  echo('Waiting for agent ping'),
  echo('Phase complete: DOWNLOAD_SOURCE State: SUCCEEDED'),
  echo('Phase context status code:  Message: '),
  echo('Entering phase BUILD'),
  echo('Running command docker build --tag "$REPOSITORY_URI:latest" --file Dockerfile .'),
  '#0 building with "default" instance using docker driver',
  '#1 [internal] load build definition from Dockerfile',
  '#1 transferring dockerfile: 214B done',
  '#5 [2/3] COPY content /usr/share/nginx/html',
  '#6 exporting to image',
  '#6 writing image sha256:3f5a9c0e7b21 done',
  echo('Running command docker push "$REPOSITORY_URI:latest"'),
  'latest: digest: sha256:3f5a9c0e7b21 size: 1570',
  echo('Phase complete: BUILD State: SUCCEEDED'),
  echo('Phase context status code:  Message: '),
  echo('Entering phase POST_BUILD'),
  echo('Running command echo "IMAGE_DIGEST=$(docker inspect …)"'),
  echo('Phase complete: POST_BUILD State: SUCCEEDED'),
];

const summary = (run: RunView): ExecutionSummary => ({
  runId: run.id,
  app: run.app,
  status: run.status as ExecutionSummary['status'],
  startedAt: run.startedAt,
  ...(run.endedAt && { stoppedAt: run.endedAt }),
});
const appRun = ({ app: _app, ...run }: ExecutionSummary): AppRun => ({
  ...run,
  seconds: ((run.stoppedAt ? Date.parse(run.stoppedAt) : NOW) - Date.parse(run.startedAt)) / 1000,
});

/** Older runs of web, for the runs list and the sparkline: durations and outcomes vary. */
const OLDER: ExecutionSummary[] = [
  [95, 'SUCCEEDED'],
  [140, 'FAILED'],
  [70, 'SUCCEEDED'],
  [88, 'SUCCEEDED'],
].map(([seconds, status], i) => {
  const start = NOW - (60 + i * 30) * 60_000;
  return {
    runId: `01JDQ8ZV7N2W4Y6A8C0E2G4J5${i}`,
    app: 'web',
    status: status as ExecutionSummary['status'],
    startedAt: at(start, 0),
    stoppedAt: at(start, seconds as number),
  };
});

export interface FixtureApi {
  url: string;
  /** Every path and query the page asked for, in order. */
  requests: string[];
  /** When each request arrived (ms), in the same order. */
  times: number[];
  /** Ends the run in progress: its remaining steps succeed and its build output is complete. */
  finishRunning(): void;
  close(): Promise<void>;
}

export async function startFixtureApi(): Promise<FixtureApi> {
  let runningDone = false;
  const requests: string[] = [];
  const times: number[] = [];
  const runs = () => [runningRun(runningDone), succeededRun(), failedRun()];
  const logOf = (id: string): { lines: string[]; done: boolean } => {
    if (id === RUNNING)
      return runningDone
        ? {
            lines: [...BUILD_LOG.slice(0, 8), '#6 exporting to image', echo('Phase complete: BUILD State: SUCCEEDED')],
            done: true,
          }
        : { lines: BUILD_LOG.slice(0, 8), done: false };
    if (id === FAILED)
      return {
        lines: [
          ...BUILD_LOG.slice(0, 8),
          'error: cannot find module left-pad',
          echo('Phase complete: BUILD State: FAILED'),
        ],
        done: true,
      };
    return { lines: BUILD_LOG, done: true };
  };
  const apps = (): AppSummary[] => {
    const list = [...runs().map(summary), ...OLDER].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const recent = (app: string) => list.filter((r) => r.app === app).map(appRun);
    return [
      {
        app: 'web',
        url: 'http://web.example.test',
        serving: {
          image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@${DIGEST}`,
          digest: DIGEST,
          taskDefinition: 'web:12',
          revision: 12,
          runningCount: 2,
          desiredCount: 2,
        },
        lastRun: recent('web')[0]!,
        recentRuns: recent('web'),
      },
      {
        app: 'worker',
        url: 'http://worker.example.test',
        serving: {
          image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker@${OLD_DIGEST}`,
          digest: OLD_DIGEST,
          taskDefinition: 'worker:3',
          revision: 3,
        },
        lastRun: recent('worker')[0]!,
        recentRuns: recent('worker'),
      },
    ];
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    times.push(Date.now());
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(DASHBOARD_HTML);
    }
    if (url.pathname === '/apps') return json(200, { apps: apps() });
    if (url.pathname === '/runs') {
      const app = url.searchParams.get('app');
      const list = [...runs().map(summary), ...OLDER].filter((r) => !app || r.app === app);
      return json(200, { runs: list.slice(0, Number(url.searchParams.get('limit') ?? 20)) });
    }
    const match = /^\/runs\/([0-9A-Z]{26})(\/logs)?$/.exec(url.pathname);
    const run = match && [...runs(), unchangedRun()].find((r) => r.id === match[1]);
    if (!match || !run) return json(404, { error: { name: 'RunNotFoundError', message: `No run ${url.pathname}` } });
    if (!match[2]) return json(200, run);
    // Pages of three lines, as a cursor API would give them.
    const { lines, done } = logOf(run.id);
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const page = lines.slice(from, from + 3);
    return json(200, {
      runId: run.id,
      lines: page,
      cursor: String(from + page.length),
      done: done && from + page.length >= lines.length,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    times,
    finishRunning: () => void (runningDone = true),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
