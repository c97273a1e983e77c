import type { RunView } from '../domain/run-view.ts';
import type { FollowEvent } from './follow.ts';
import { describeSuperseded } from './superseded.ts';

/** Where a command writes: human lines, or one JSON object per line with --json. */
export interface Output {
  json: boolean;
  line(text: string): void;
  event(event: Record<string, unknown>): void;
  error(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    line: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    event: (event) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    },
    error: (text) => process.stderr.write(`${text}\n`),
  };
}

const MARK: Record<string, string> = { RUNNING: '▸', SUCCEEDED: '✓', FAILED: '✗', SKIPPED: '·' };

/** `describeStep({ step: 'build', status: 'SUCCEEDED', seconds: 3.2 })` → `✓ build (3.2s)`; a skipped step says why: `· build skipped: no new image` */
export function describeStep(event: Extract<FollowEvent, { type: 'step' }>): string {
  const verb =
    event.status === 'RUNNING'
      ? ''
      : event.status === 'FAILED'
        ? ' failed'
        : event.status === 'SKIPPED'
          ? ' skipped'
          : '';
  const time = event.seconds !== undefined ? ` (${event.seconds.toFixed(1)}s)` : '';
  const why = event.status === 'SKIPPED' && event.reason ? `: ${event.reason}` : '';
  return `${MARK[event.status] ?? '?'} ${event.step}${verb}${time}${why}`;
}

/** The lines that close a followed run: what was deployed and where, or what failed, why, and what still serves. `url:` is the last line of a success. */
export function describeOutcome(run: RunView, seconds?: number): string[] {
  const took = seconds !== undefined ? ` in ${seconds.toFixed(1)}s` : '';
  if (run.status === 'SUCCEEDED' && run.unchanged) {
    // Nothing was built or moved: say what serves, and where.
    const lines = [`${run.unchanged.message} (app ${run.app}, run ${run.id}${took})`];
    if (run.image) lines.push(`image: ${run.image.repository}@${run.image.digest}`);
    lines.push(`task definition: ${run.unchanged.taskDefinition} (revision ${run.unchanged.revision})`);
    if (run.url) lines.push(`url: ${run.url}`);
    return lines;
  }
  if (run.status === 'SUCCEEDED') {
    const lines = [`deployed ${run.app}${took}: run ${run.id}`];
    if (run.image) lines.push(`image: ${run.image.repository}@${run.image.digest}`);
    if (run.deployment)
      lines.push(`task definition: ${run.deployment.taskDefinition} (revision ${run.deployment.revision})`);
    if (run.lifecycle?.expired.length)
      lines.push(
        `lifecycle: expired ${run.lifecycle.expired.length} image(s): ${run.lifecycle.expired.map((i) => i.digest.slice(0, 19)).join(', ')}`,
      );
    if (run.release)
      lines.push(
        `release: tagged ${run.release.tag} (keepReleases ${run.release.keep} protects it from lifecycle rules)`,
      );
    if (run.url) lines.push(`url: ${run.url}`);
    return lines;
  }
  if (run.status === 'SUPERSEDED') return describeSuperseded(run, took);
  const lines = [
    `run ${run.id} ${run.status}${took}` +
      (run.error ? ` in ${run.error.step}: ${run.error.name}: ${run.error.message}` : ''),
  ];
  if (run.serving)
    lines.push(
      `still serving: revision ${run.serving.revision} (${run.serving.image})${run.serving.url ? ` at ${run.serving.url}` : ''}`,
    );
  else if (run.error) lines.push('nothing was serving this app before this run.');
  if (run.build) lines.push(`build output: slipway logs ${run.id}`);
  return lines;
}
