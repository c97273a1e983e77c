import { appConfig } from '../../domain/config.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/** Move the service to the new image (pinned by digest) and return at once; CheckRollout follows it. */
export async function deploy(state: RunState, deps: Dependencies): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const image = requirePart(state, 'image');
  const deployment = await deps.containers.deploy({ runId: state.runId, app: state.app, service: app.service, image: image.reference });
  const deadline = new Date(deps.clock.now().getTime() + deps.settings.rolloutTimeoutSeconds * 1000).toISOString();
  deps.logger.info('deployment started', { runId: state.runId, app: state.app, deploymentId: deployment.deploymentId, revision: deployment.revision });
  return {
    ...state,
    deployment: {
      id: deployment.deploymentId,
      taskDefinition: deployment.taskDefinition,
      revision: deployment.revision,
      state: 'IN_PROGRESS',
      deadline,
    },
  };
}
