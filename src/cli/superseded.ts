import type { RunView } from '../domain/run-view.ts';

/** `describeSuperseded(run)` → the lines `deploy`/`status` print for a run a newer run of its app superseded: not a failure (exit 0). */
export function describeSuperseded(run: RunView, took = ''): string[] {
  const by = run.superseded?.by ?? 'a newer run';
  const when = run.superseded?.step === 'rollout' ? 'stopped following its rollout' : 'did not deploy';
  return [
    `superseded ${run.app}${took}: run ${run.id} ${when}, because newer run ${by} of the same app deploys (newest upload wins).`,
    `follow the newer run: slipway status ${by} --follow`,
  ];
}
