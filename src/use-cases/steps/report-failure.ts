import { appConfig } from '../../domain/config.ts';
import type { RunFailure, RunState } from '../../domain/run-state.ts';
import { failedStep } from '../../domain/steps.ts';
import { taskError } from '../../domain/task-error.ts';
import type { Dependencies } from '../dependencies.ts';

/**
 * Turn the caught error into the run's failure: the step, the error's name, its message, and what
 * still serves the app. It must not fail itself: without it the run would end with no reason.
 */
export async function reportFailure(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'containers' | 'logger'>,
): Promise<RunState> {
  const { name, message } = taskError(state.error);
  const failure: RunFailure = { step: failedStep(state), name, message };
  try {
    const app = appConfig(deps.config, state.app);
    const serving = await deps.containers.serving({ app: state.app, service: app.service });
    if (serving)
      failure.serving = {
        image: serving.image,
        revision: serving.revision,
        ...(serving.url !== undefined && { url: serving.url }),
      };
  } catch (error) {
    // Unknown app or a service we cannot read: the failure itself is what matters.
    deps.logger.warn('could not read what still serves', { runId: state.runId, app: state.app, error: String(error) });
  }
  deps.logger.error('run failed', { runId: state.runId, app: state.app, ...failure });
  return { ...state, failure };
}
