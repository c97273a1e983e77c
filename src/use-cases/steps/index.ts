import type { Step } from '../../edges/step-handler.ts';
import type { WaitState } from '../../domain/steps.ts';
import type { TaskState } from '../../pipeline/definition.ts';
import type { Dependencies } from '../dependencies.ts';
import { applyLifecycle } from './apply-lifecycle.ts';
import { checkBuild } from './check-build.ts';
import { checkRollout } from './check-rollout.ts';
import { deploy } from './deploy.ts';
import { prepare } from './prepare.ts';
import { reportFailure } from './report-failure.ts';
import { startBuild } from './start-build.ts';

/**
 * Task state → its step, for the local stack and the tests, which run every step in one process.
 * Each functions/<file>.ts imports its own step instead, so a Lambda bundles one step only.
 */
export const STEPS: Record<Exclude<TaskState, WaitState>, Step<Dependencies>> = {
  Prepare: prepare,
  StartBuild: startBuild,
  ApplyLifecycle: applyLifecycle,
  Deploy: deploy,
  ReportFailure: reportFailure,
};

/** Wait Task → the check step its look runs (when the wait begins, and at each event that may end it). */
export const WAIT_CHECKS: Record<WaitState, Step<Dependencies>> = {
  AwaitBuild: checkBuild,
  AwaitRollout: checkRollout,
};
