import { setTimeout as sleep } from 'node:timers/promises';
import type { RunLogPage } from '../use-cases/run-logs.ts';
import type { RunView, StepStatus } from '../domain/run-view.ts';
import { STEPS, type StepName } from '../domain/steps.ts';
import { ApiError, type AnswerHeaders, type ApiClient } from './api-client.ts';

export type FollowEvent =
  | { type: 'waiting'; runId: string }
  | { type: 'step'; runId: string; step: string; status: StepStatus; at: string; seconds?: number; reason?: string }
  | { type: 'log'; runId: string; line: string }
  | { type: 'rollout'; runId: string; running: number; desired: number; state: string }
  | { type: 'view'; runId: string; run: RunView };

/** How long one request may wait for news; the server may cap it (API Gateway gives up after 30 s). */
const WAIT_SECONDS = 20;
/**
 * How long a running build's next lines may gather before the CLI asks for them. A build prints in bursts
 * (docker's steps, the push's layers); a request per burst competed with the build for the machine: on the
 * local stack, following the output made the build itself ~13 ms slower, the deploy ~22 ms (12 alternating
 * deploys each way). A tenth of a second later on screen is not seen.
 */
const GATHER_MS = 100;

/**
 * Follow the run until it ends, reporting each step as it starts and ends, every line of build output
 * once and in order, and the rollout's counts as they change. The run appears a moment after its
 * upload (the S3 event starts it), so a missing run is waited for — up to `startTimeoutMs`.
 * Where the API can wait for news (the local stack: `Prefer: wait`, answered with Preference-Applied),
 * each request waits for the run's next change or the build's next line; elsewhere the loop polls
 * every `intervalMs`.
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  onEvent: (event: FollowEvent) => void,
  options: { intervalMs?: number; startTimeoutMs?: number; logs?: boolean; gatherMs?: number } = {},
): Promise<RunView> {
  const seen = new Map<string, StepStatus>();
  const startDeadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const interval = options.intervalMs ?? client.pollMs;
  let waiting = false;
  let logCursor: string | undefined;
  let logsDone = options.logs === false;
  let rollout = '';
  /** The ETag of the run as last shown, and whether the next request may wait for it to change. */
  let version: string | undefined;
  let mayWait = false;
  const waited = (headers: AnswerHeaders) => /\bwait=/.test(headers.get('preference-applied') ?? '');

  /** Reads the build's output on from the cursor; with `wait`, an empty page waits for a line. Returns whether the server waited. */
  const readLogs = async (wait: boolean): Promise<boolean> => {
    for (;;) {
      const answer = await client.exchange<RunLogPage>(
        'GET',
        `/runs/${runId}/logs${logCursor ? `?cursor=${encodeURIComponent(logCursor)}` : ''}`,
        { headers: wait ? { prefer: `wait=${WAIT_SECONDS}` } : {} },
      );
      const page = answer.body;
      for (const line of page.lines) onEvent({ type: 'log', runId, line });
      logCursor = page.cursor;
      logsDone = page.done;
      if (page.done || page.lines.length === 0 || wait) return waited(answer.headers);
    }
  };

  for (;;) {
    let run: RunView;
    let serverWaited = false;
    try {
      // The first request may wait for the run to start; later ones, for it to change from what was shown.
      const answer = await client.exchange<RunView>('GET', `/runs/${runId}`, {
        headers:
          version === undefined
            ? { prefer: `wait=${WAIT_SECONDS}` }
            : mayWait
              ? { 'if-none-match': version, prefer: `wait=${WAIT_SECONDS}` }
              : {},
      });
      run = answer.body;
      version = answer.headers.get('etag') ?? undefined;
      serverWaited = waited(answer.headers);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404) || Date.now() > startDeadline) throw error;
      if (!waiting) onEvent({ type: 'waiting', runId });
      waiting = true;
      await sleep(interval);
      continue;
    }
    // The build's lines go between its ▸ and its ✓: step changes up to the build running, then the
    // lines read so far, then the rest.
    const changes = [...stepChanges(run, seen)];
    const afterBuild = changes.findIndex(
      (e) =>
        e.type === 'step' &&
        STEPS.indexOf(e.step as StepName) >= STEPS.indexOf('build') &&
        !(e.step === 'build' && e.status === 'RUNNING'),
    );
    const split = afterBuild < 0 ? changes.length : afterBuild;
    for (const event of changes.slice(0, split)) onEvent(event);
    if (!logsDone && run.build) await readLogs(false);
    // The rollout's counts go under its ▸ and before its end (✓ or ✗), told again when the counts or the
    // rollout's state change: `1/1 running (IN_PROGRESS)` while the new task's health checks run, then `(COMPLETED)`.
    const rest = changes.slice(split);
    const ends = rest.findIndex((e) => e.type === 'step' && e.step === 'rollout' && e.status !== 'RUNNING');
    const beforeEnd = ends < 0 ? rest : rest.slice(0, ends);
    for (const event of beforeEnd) onEvent(event);
    const counts =
      run.deployment?.desiredCount !== undefined
        ? `${run.deployment.runningCount}/${run.deployment.desiredCount} ${run.deployment.state}`
        : '';
    if (counts && counts !== rollout && run.deployment) {
      rollout = counts;
      onEvent({
        type: 'rollout',
        runId,
        running: run.deployment.runningCount ?? 0,
        desired: run.deployment.desiredCount ?? 0,
        state: run.deployment.state,
      });
    }
    for (const event of rest.slice(beforeEnd.length)) onEvent(event);
    onEvent({ type: 'view', runId, run });
    if (run.status !== 'RUNNING' && (logsDone || !run.build)) return run;
    // What comes next: while the build runs, its output (the run itself changes only when the build ends);
    // then the run's next change.
    const building = run.steps.find((s) => s.name === 'build')?.status === 'RUNNING';
    if (!logsDone && run.build && building) {
      mayWait = false;
      // While the build runs the run changes only when the build ends, and the output is done only once the
      // run has taken that end in: where the server waits for lines, read on until then without asking for
      // the run between pages (three requests per burst of lines became one; each competes with the build for CPU).
      while (!logsDone) {
        const before = logCursor;
        if (!(await readLogs(true))) {
          await sleep(interval);
          break;
        }
        if (!logsDone && logCursor !== before) await sleep(options.gatherMs ?? GATHER_MS);
      }
    } else {
      mayWait = true;
      if (!serverWaited) await sleep(interval);
    }
  }
}

function* stepChanges(run: RunView, seen: Map<string, StepStatus>): Generator<FollowEvent> {
  for (const step of run.steps) {
    const before = seen.get(step.name) ?? 'PENDING';
    if (before === step.status) continue;
    seen.set(step.name, step.status);
    // A step that went straight from pending to done still shows that it started.
    if (before === 'PENDING' && step.status !== 'RUNNING' && step.status !== 'SKIPPED' && step.startedAt) {
      yield { type: 'step', runId: run.id, step: step.name, status: 'RUNNING', at: step.startedAt };
    }
    if (step.status === 'PENDING') continue;
    const at = step.endedAt ?? step.startedAt ?? new Date().toISOString();
    const seconds =
      step.startedAt && step.endedAt ? (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000 : undefined;
    yield {
      type: 'step',
      runId: run.id,
      step: step.name,
      status: step.status,
      at,
      ...(seconds !== undefined && step.status !== 'RUNNING' && step.status !== 'SKIPPED' && { seconds }),
      ...(step.status === 'SKIPPED' && step.reason !== undefined && { reason: step.reason }),
    };
  }
}
