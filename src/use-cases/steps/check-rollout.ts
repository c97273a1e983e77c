import { appConfig } from '../../domain/config.ts';
import { RolloutFailedError } from '../../domain/errors.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { newerRun } from './deploy-guard.ts';
import { recordRelease } from './release-tags.ts';
import { requirePart } from './require-part.ts';
import { revertAtDeadline } from './revert-at-deadline.ts';

/** Read the rollout; a newer run that claimed the service since supersedes this one (no failure, no release tag); a failed or rolled-back deployment, or one past its deadline, fails the run; a completed one is recorded as a release. */
export async function checkRollout(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'containers' | 'registry' | 'objects' | 'clock' | 'logger'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const deployment = requirePart(state, 'deployment');
  // The rollout first, then the marker: a newer run claims before it moves the service, so whatever it
  // did to this rollout (replaced it, or made it fail) shows as a newer marker here.
  const read = await deps.containers
    .rollout({ app: state.app, service: app.service, deploymentId: deployment.id })
    .then(
      (status) => ({ status }),
      (error: unknown) => ({ error }),
    );
  const newer = await newerRun(state.app, state.runId, deps);
  if (newer) {
    deps.logger.info('run superseded: a newer run deploys', { runId: state.runId, app: state.app, by: newer });
    return { ...state, superseded: { by: newer, at: deps.clock.now().toISOString(), step: 'rollout' } };
  }
  if ('error' in read) throw read.error;
  const status = read.status;
  const next = {
    ...deployment,
    state: status.state,
    runningCount: status.runningCount,
    desiredCount: status.desiredCount,
    ...(status.url !== undefined && { url: status.url }),
    ...(status.reason !== undefined && { reason: status.reason }),
  };
  if (status.state === 'FAILED') {
    throw new RolloutFailedError(
      `The rollout of app "${state.app}" (task definition revision ${deployment.revision}) failed: ${status.reason ?? 'no reason given'}.`,
      state.app,
      deployment.id,
    );
  }
  if (status.state === 'IN_PROGRESS' && deps.clock.now() > new Date(deployment.deadline)) {
    // Stop it before reporting: a FAILED run must leave the previous version serving, not a rollout that may still finish.
    const movedBack = await revertAtDeadline(state.app, app.service, deployment, deps);
    throw new RolloutFailedError(
      `The rollout of app "${state.app}" did not finish by ${deployment.deadline} (${status.runningCount}/${status.desiredCount} running)${movedBack}. ` +
        `Check the service's events and the container logs; if it is only slow, raise apps.${state.app}.service.healthCheck.timeoutSeconds.`,
      state.app,
      deployment.id,
    );
  }
  // Completed: the image becomes the newest release (keepReleases), so lifecycle rules keep it.
  const release = status.state === 'COMPLETED' ? await recordRelease(state, app, deps) : undefined;
  return { ...state, deployment: next, ...(release && { release }) };
}
