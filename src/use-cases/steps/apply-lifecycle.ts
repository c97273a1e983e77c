import { appConfig } from '../../domain/config.ts';
import { appLifecyclePolicy } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { moveReleaseTags } from './release-tags.ts';

/** Make the repository follow the app's lifecycle rules (behind its keepReleases rule); an app without rules keeps every image. */
export async function applyLifecycle(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'registry' | 'logger'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const policy = appLifecyclePolicy(app);
  if (policy === undefined) return { ...state, lifecycle: { policyChanged: false, expired: [] } };
  // The release rule keeps "more than keepReleases": the tags must be right before the policy counts them.
  const repaired = await moveReleaseTags(app, undefined, deps);
  if (repaired.length > 0)
    deps.logger.info('release tags repaired', {
      runId: state.runId,
      app: state.app,
      moved: repaired.map((m) => m.tag),
    });
  const outcome = await deps.registry.applyLifecyclePolicy(app.repository, policy);
  deps.logger.info('lifecycle applied', {
    runId: state.runId,
    app: state.app,
    policyChanged: outcome.policyChanged,
    expired: outcome.expired.length,
  });
  return { ...state, lifecycle: outcome };
}
