import { setTimeout as sleep } from 'node:timers/promises';
import type { RunView, StepStatus } from '../domain/run-view.ts';
import { ApiError, type ApiClient } from './api-client.ts';

export type FollowEvent =
  | { type: 'waiting'; runId: string }
  | { type: 'step'; runId: string; step: string; status: StepStatus; at: string; seconds?: number };

/**
 * Poll the run until it ends, reporting each step as it starts and ends. The run appears a moment
 * after its upload (the S3 event starts it), so a missing run is waited for — up to `startTimeoutMs`.
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  onEvent: (event: FollowEvent) => void,
  options: { intervalMs?: number; startTimeoutMs?: number } = {},
): Promise<RunView> {
  const seen = new Map<string, StepStatus>();
  const startDeadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let waiting = false;
  for (;;) {
    let run: RunView;
    try {
      run = await client.request<RunView>('GET', `/runs/${runId}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404) || Date.now() > startDeadline) throw error;
      if (!waiting) onEvent({ type: 'waiting', runId });
      waiting = true;
      await sleep(options.intervalMs ?? client.pollMs);
      continue;
    }
    for (const step of run.steps) {
      const before = seen.get(step.name) ?? 'PENDING';
      if (before === step.status) continue;
      seen.set(step.name, step.status);
      // A step that went straight from pending to done still shows that it started.
      if (before === 'PENDING' && step.status !== 'RUNNING' && step.status !== 'SKIPPED' && step.startedAt) {
        onEvent({ type: 'step', runId, step: step.name, status: 'RUNNING', at: step.startedAt });
      }
      if (step.status === 'PENDING') continue;
      const at = step.endedAt ?? step.startedAt ?? new Date().toISOString();
      const seconds = step.startedAt && step.endedAt ? (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000 : undefined;
      onEvent({ type: 'step', runId, step: step.name, status: step.status, at, ...(seconds !== undefined && step.status !== 'RUNNING' && { seconds }) });
    }
    if (run.status !== 'RUNNING') return run;
    await sleep(options.intervalMs ?? client.pollMs);
  }
}
