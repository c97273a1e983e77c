import { appConfig } from '../../domain/config.ts';
import { lifecyclePolicyFromConfig } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';

/** Make the repository follow the app's lifecycle rules; an app without rules keeps every image. */
export async function applyLifecycle(state: RunState, deps: Dependencies): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  if (app.lifecycle === undefined) return { ...state, lifecycle: { policyChanged: false, expired: [] } };
  const policy = lifecyclePolicyFromConfig(app.lifecycle);
  const outcome = await deps.registry.applyLifecyclePolicy(app.repository, policy);
  deps.logger.info('lifecycle applied', { runId: state.runId, app: state.app, policyChanged: outcome.policyChanged, expired: outcome.expired.length });
  return { ...state, lifecycle: outcome };
}
