import type { RunState } from './run-state.ts';

/** One measurement of a run, by app: what dashboards and alarms are built on. */
export interface MetricRecord {
  name: 'Runs' | 'BuildSeconds' | 'RolloutSeconds';
  unit: 'Count' | 'Seconds';
  value: number;
  /** `{ app: 'hello' }`, plus `outcome` for Runs. */
  dimensions: Record<string, string>;
}

/**
 * `runMetrics('AwaitRollout', state, now)` → what the step just finished measured: a build's
 * seconds when AwaitBuild's wait ends with it succeeded, a rollout's seconds and a SUCCEEDED run when
 * AwaitRollout's ends with it complete, a FAILED run when ReportFailure runs, a SUPERSEDED run when
 * Deploy or AwaitRollout finds a newer run has claimed the service, an UNCHANGED run when Deploy finds
 * the image already serving. Nothing for the other steps, or while a build or rollout is still in progress.
 */
export function runMetrics(task: string, state: RunState, now: Date): MetricRecord[] {
  const app = { app: state.app };
  const since = (startedAt: string | undefined): number | undefined => {
    const start = startedAt === undefined ? Number.NaN : Date.parse(startedAt);
    return Number.isNaN(start) ? undefined : Math.max(0, (now.getTime() - start) / 1000);
  };
  // A run a newer one superseded ends here (Deploy or AwaitRollout), and one whose image already served ends at
  // Deploy: counted apart, neither success nor failure.
  const apart = state.superseded ? 'SUPERSEDED' : state.unchanged ? 'UNCHANGED' : undefined;
  if (apart && (task === 'Deploy' || task === 'AwaitRollout'))
    return [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { ...app, outcome: apart } }];
  switch (task) {
    case 'AwaitBuild': {
      const seconds = state.build?.status === 'SUCCEEDED' ? since(state.build.startedAt) : undefined;
      return seconds === undefined ? [] : [{ name: 'BuildSeconds', unit: 'Seconds', value: seconds, dimensions: app }];
    }
    case 'AwaitRollout': {
      if (state.deployment?.state !== 'COMPLETED') return [];
      const seconds = since(state.deployment.startedAt);
      return [
        ...(seconds === undefined
          ? []
          : [{ name: 'RolloutSeconds', unit: 'Seconds', value: seconds, dimensions: app } as const]),
        { name: 'Runs', unit: 'Count', value: 1, dimensions: { ...app, outcome: 'SUCCEEDED' } },
      ];
    }
    case 'ReportFailure':
      return [{ name: 'Runs', unit: 'Count', value: 1, dimensions: { ...app, outcome: 'FAILED' } }];
    default:
      return [];
  }
}
