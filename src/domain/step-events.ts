import type { RunState } from './run-state.ts';
import type { StepName } from './steps.ts';

export type StepEventStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

/** The detail of a `slipway` / `Run Step Changed` event (documented in the README). */
export interface RunStepChanged {
  runId: string;
  app: string;
  step: StepName;
  status: StepEventStatus;
  trigger: RunState['trigger'];
  image?: { digest: string; reference: string };
  url?: string;
  error?: { name: string; message: string };
}

type Moment = 'enter' | 'exit';

/**
 * `stepTransitions('Deploy', 'exit', state)` → `[deploy SUCCEEDED, rollout RUNNING]`: the step changes
 * a Task's start or end means. The waits (AwaitBuild, AwaitRollout) end their step when the build or
 * rollout is done, announced by whoever ends the wait.
 */
export function stepTransitions(
  task: string,
  moment: Moment,
  state: RunState,
): { step: StepName; status: StepEventStatus }[] {
  const key = `${task}:${moment}`;
  switch (key) {
    case 'Prepare:enter':
      return [{ step: 'prepare', status: 'RUNNING' }];
    case 'Prepare:exit':
      return [{ step: 'prepare', status: 'SUCCEEDED' }];
    case 'StartBuild:enter':
      return [{ step: 'build', status: 'RUNNING' }];
    case 'AwaitBuild:exit':
      return state.build?.status === 'SUCCEEDED' ? [{ step: 'build', status: 'SUCCEEDED' }] : [];
    case 'ApplyLifecycle:enter':
      return [{ step: 'lifecycle', status: 'RUNNING' }];
    case 'ApplyLifecycle:exit':
      return [{ step: 'lifecycle', status: 'SUCCEEDED' }];
    case 'Deploy:enter':
      return [{ step: 'deploy', status: 'RUNNING' }];
    case 'Deploy:exit':
      // The service already ran the image: deploy, announced as running, ends skipped, and there is no rollout.
      if (state.unchanged)
        return [
          { step: 'deploy', status: 'SKIPPED' },
          { step: 'rollout', status: 'SKIPPED' },
        ];
      return [
        { step: 'deploy', status: 'SUCCEEDED' },
        { step: 'rollout', status: 'RUNNING' },
      ];
    case 'AwaitRollout:exit':
      return state.deployment?.state === 'COMPLETED' ? [{ step: 'rollout', status: 'SUCCEEDED' }] : [];
    case 'ReportFailure:exit':
      return state.failure ? [{ step: state.failure.step as StepName, status: 'FAILED' }] : [];
    default:
      return [];
  }
}

/** `stepEvents('Deploy', 'exit', state)` → the `Run Step Changed` details to publish. */
export function stepEvents(task: string, moment: Moment, state: RunState): RunStepChanged[] {
  return stepTransitions(task, moment, state).map(({ step, status }) => ({
    runId: state.runId,
    app: state.app,
    step,
    status,
    trigger: state.trigger,
    ...(state.image && { image: { digest: state.image.digest, reference: state.image.reference } }),
    ...(state.deployment?.url && status === 'SUCCEEDED' && step === 'rollout' && { url: state.deployment.url }),
    ...(state.failure &&
      status === 'FAILED' && { error: { name: state.failure.name, message: state.failure.message } }),
  }));
}
