import { allApps, type AppConfig } from '../domain/config.ts';
import { errorKind, type ErrorKind } from '../domain/errors.ts';
import type { ExecutionSummary } from '../domain/execution.ts';
import { isDigest } from '../domain/images.ts';
import { runSummary, type RunStatus } from '../domain/run-view.ts';
import type { Dependencies } from './dependencies.ts';

/** How many of an app's runs `/apps` returns: enough for a sparkline, few enough for one ListExecutions page. */
export const RECENT_RUNS = 20;

export interface AppRun {
  runId: string;
  status: RunStatus;
  startedAt: string;
  stoppedAt?: string;
  /** From start to stop; for a run still going, from start to now. */
  seconds: number;
}

export interface AppSummary {
  app: string;
  /** Where the app answers, when something serves it. */
  url?: string;
  /** What serves now; absent when nothing does (no deploy yet, or no task running). */
  serving?: {
    /** `repository@sha256:…`, as the task definition pins it. */
    image: string;
    /** The image's digest, when the reference pins one. */
    digest?: string;
    taskDefinition: string;
    revision: number;
    runningCount?: number;
    desiredCount?: number;
  };
  /** The newest run, whatever its outcome. */
  lastRun?: AppRun;
  /** Up to RECENT_RUNS runs, newest first (as `/runs`). */
  recentRuns: AppRun[];
  /** Set when the app's service or runs could not be read; the other apps are still listed. */
  problem?: { name: string; kind: ErrorKind; message: string };
}

/** The ports `/apps` reads (the IAM analysis in test/aws follows parameters typed `Pick<Dependencies, …>`). */
type AppsPorts = 'config' | 'containers' | 'workflow' | 'clock';

/** The newest runs of all apps, read once: ListExecutions has no app filter, so one scan serves every app. */
const SHARED_RUNS = 100;

/** `listApps(deps)` → every app in slipway.config.json, in its order: what serves it, where, and its recent runs. */
export async function listApps(deps: Pick<Dependencies, AppsPorts>): Promise<AppSummary[]> {
  const newest = await settle(deps.workflow.list({ limit: SHARED_RUNS }));
  return Promise.all(allApps(deps.config).map((app) => summarise(app, newest, deps)));
}

async function summarise(
  app: AppConfig,
  newest: Settled<ExecutionSummary[]>,
  deps: Pick<Dependencies, AppsPorts>,
): Promise<AppSummary> {
  const [serving, runs] = await Promise.all([
    settle(deps.containers.serving({ app: app.name, service: app.service })),
    settle(runsOf(app.name, newest, deps)),
  ]);
  const now = deps.clock.now();
  const recentRuns = runs.ok ? runs.value.map((r) => appRun(r, now)) : [];
  const summary: AppSummary = { app: app.name, recentRuns };
  if (recentRuns[0]) summary.lastRun = recentRuns[0];
  if (serving.ok && serving.value) {
    const { image, taskDefinition, revision, url, runningCount, desiredCount } = serving.value;
    const digest = image.slice(image.lastIndexOf('@') + 1);
    summary.serving = {
      image,
      ...(isDigest(digest) && { digest }),
      taskDefinition,
      revision,
      ...(runningCount !== undefined && { runningCount }),
      ...(desiredCount !== undefined && { desiredCount }),
    };
    if (url) summary.url = url;
  }
  const failed = !serving.ok ? serving.error : !runs.ok ? runs.error : undefined;
  if (failed !== undefined) summary.problem = problem(failed);
  return summary;
}

/** The app's newest runs: from the shared list when it holds every run or enough of the app's; else the app's own listing. */
async function runsOf(
  app: string,
  newest: Settled<ExecutionSummary[]>,
  deps: Pick<Dependencies, AppsPorts>,
): Promise<ExecutionSummary[]> {
  if (!newest.ok) throw newest.error;
  const own = newest.value.filter((r) => r.app === app).slice(0, RECENT_RUNS);
  const complete = newest.value.length < SHARED_RUNS;
  return complete || own.length === RECENT_RUNS ? own : deps.workflow.list({ app, limit: RECENT_RUNS });
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function appRun(execution: ExecutionSummary, now: Date): AppRun {
  const run = runSummary(execution);
  const end = run.stoppedAt ? Date.parse(run.stoppedAt) : now.getTime();
  return {
    runId: run.runId,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.stoppedAt && { stoppedAt: run.stoppedAt }),
    seconds: Math.max(0, Math.round((end - Date.parse(run.startedAt)) / 100) / 10),
  };
}

/** One app's failure stays on that app; a bug (an `internal` error) still fails the request, where the edge logs it. */
function problem(error: unknown): NonNullable<AppSummary['problem']> {
  const kind = errorKind(error);
  if (kind === 'internal') throw error;
  return { name: (error as Error).name, kind, message: (error as Error).message };
}
