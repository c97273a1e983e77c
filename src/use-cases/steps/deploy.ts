import { appConfig, type CreatedService } from '../../domain/config.ts';
import type { RunState } from '../../domain/run-state.ts';
import { MAX_ROLLOUT_SECONDS } from '../../domain/waits.ts';
import { unchangedMessage } from '../../domain/steps.ts';
import type { TaskSettings } from '../../ports/container-service.ts';
import type { Dependencies } from '../dependencies.ts';
import { claimDeploy, releaseDeploy } from './deploy-guard.ts';
import { requirePart } from './require-part.ts';

/**
 * Move the service to the new image (pinned by digest) and return at once; AwaitRollout waits for it.
 * A service the stack created gets its whole revision from slipway.config.json (`task`); an existing
 * one keeps its current revision with only the image replaced.
 */
export async function deploy(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'containers' | 'objects' | 'clock' | 'logger' | 'settings'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const image = requirePart(state, 'image');
  const task = app.service.created ? taskSettings(app.service.created) : undefined;
  // Newest wins: claim the app's service before moving it (src/domain/deploy-guard.ts, docs/guarantees.md).
  const { deployTurn: _turn, ...rest } = state;
  const claim = await claimDeploy(state.app, state.runId, deps);
  if (claim.action === 'superseded') {
    deps.logger.info('run superseded: a newer run deploys', { runId: state.runId, app: state.app, by: claim.by });
    return { ...rest, superseded: { by: claim.by, at: deps.clock.now().toISOString(), step: 'deploy' } };
  }
  if (claim.action === 'wait') {
    deps.logger.info('waiting for an older run to finish moving the service', {
      runId: state.runId,
      app: state.app,
      holder: claim.holder,
    });
    return { ...rest, deployTurn: { holder: claim.holder, until: claim.until } };
  }
  // Once the call has returned (or failed), this run no longer moves the service: end the lease so a newer run
  // need not wait it out. Best effort: a lease that is not ended only makes the next run wait until it expires.
  const deployment = await deps.containers
    .deploy({ runId: state.runId, app: state.app, service: app.service, image: image.reference, ...(task && { task }) })
    .finally(() =>
      releaseDeploy(state.app, state.runId, claim.etag, deps).catch((error: unknown) =>
        deps.logger.warn('could not end the deploy lease', {
          runId: state.runId,
          app: state.app,
          error: String(error),
        }),
      ),
    );
  if (deployment.unchanged) {
    // The service already runs this image with these settings: nothing was moved, there is no rollout to follow.
    deps.logger.info('unchanged: the image already serves', {
      runId: state.runId,
      app: state.app,
      digest: image.digest,
      revision: deployment.revision,
    });
    const { taskDefinition, revision, url } = deployment;
    const message = unchangedMessage(image.digest);
    return {
      ...rest,
      unchanged: { digest: image.digest, taskDefinition, revision, ...(url !== undefined && { url }), message },
      skipped: { ...state.skipped, deploy: message, rollout: message },
    };
  }
  // Never shorter than the app's own health-check timeout (plus time to start): the run must not give
  // up on a rollout the service is still allowed to finish, or it would report the wrong version serving.
  // At most MAX_ROLLOUT_SECONDS: the state machine's fallback looks (AwaitRollout) last that long.
  const seconds = Math.min(
    MAX_ROLLOUT_SECONDS,
    Math.max(deps.settings.rolloutTimeoutSeconds, app.service.healthCheck.timeoutSeconds + 60),
  );
  const deadline = new Date(deps.clock.now().getTime() + seconds * 1000).toISOString();
  deps.logger.info('deployment started', {
    runId: state.runId,
    app: state.app,
    deploymentId: deployment.deploymentId,
    revision: deployment.revision,
  });
  return {
    ...rest,
    deployment: {
      id: deployment.deploymentId,
      taskDefinition: deployment.taskDefinition,
      revision: deployment.revision,
      state: 'IN_PROGRESS',
      deadline,
      startedAt: deps.clock.now().toISOString(),
      // AwaitRollout's check moves the service back to it if the rollout runs out of time.
      ...(deployment.previousTaskDefinition !== undefined && {
        previousTaskDefinition: deployment.previousTaskDefinition,
      }),
    },
  };
}

/** The settings a run renders into a created service's revision; secrets travel as references only. */
export function taskSettings(created: CreatedService): TaskSettings {
  return {
    cpu: created.cpu,
    memory: created.memory,
    desiredCount: created.desiredCount,
    environment: created.environment,
    secrets: created.secrets,
    architecture: created.architecture,
    ...(created.autoscaling && { autoscaling: { min: created.autoscaling.min, max: created.autoscaling.max } }),
  };
}
