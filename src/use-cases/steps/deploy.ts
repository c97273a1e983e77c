import { appConfig } from '../../domain/config.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/** Move the service to the new image (pinned by digest) and return at once; CheckRollout follows it. */
export async function deploy(state: RunState, deps: Pick<Dependencies, 'config' | 'containers' | 'clock' | 'logger' | 'settings'>): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const image = requirePart(state, 'image');
  const deployment = await deps.containers.deploy({ runId: state.runId, app: state.app, service: app.service, image: image.reference });
  // Never shorter than the app's own health-check timeout (plus time to start): the run must not give
  // up on a rollout the service is still allowed to finish, or it would report the wrong version serving.
  const seconds = Math.max(deps.settings.rolloutTimeoutSeconds, app.service.healthCheck.timeoutSeconds + 60);
  const deadline = new Date(deps.clock.now().getTime() + seconds * 1000).toISOString();
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
