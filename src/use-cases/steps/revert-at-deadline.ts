import type { ServiceRef } from '../../ports/container-service.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';

/**
 * A rollout past its deadline is stopped by moving the service back to the revision that served
 * before Deploy (ECS keeps rolling otherwise, and a FAILED run could end with the new version
 * serving). → the clause the failure message adds: where the service was moved, or why not.
 */
export async function revertAtDeadline(
  app: string,
  service: ServiceRef,
  deployment: NonNullable<RunState['deployment']>,
  deps: Pick<Dependencies, 'containers' | 'logger'>,
): Promise<string> {
  const previous = deployment.previousTaskDefinition;
  if (!deps.containers.revert || previous === undefined) return '';
  const reverted = await deps.containers.revert({
    app,
    service,
    deploymentId: deployment.id,
    taskDefinition: previous,
  });
  if (!reverted) {
    deps.logger.info('rollout past its deadline already replaced', { app, deploymentId: deployment.id });
    return `; a newer deployment had already replaced deployment ${deployment.id}, so the service was left to it`;
  }
  deps.logger.info('rollout past its deadline moved back', {
    app,
    deploymentId: deployment.id,
    taskDefinition: previous,
    revertDeploymentId: reverted.deploymentId,
  });
  return `; Slipway stopped deployment ${deployment.id} and moved the service back to the task definition that served before, ${previous} (deployment ${reverted.deploymentId})`;
}
