import * as v from 'valibot';
import { InvalidInputError } from '../domain/errors.ts';
import type { RunState } from '../domain/run-state.ts';
import type { WaitState } from '../domain/steps.ts';
import { describeIssues } from '../domain/validation.ts';
import { buildIdOfArn, buildWaitKey, serviceNameOfArn, type WaitKind } from '../domain/waits.ts';
import { parseWaitRequest } from '../pipeline/wait-request-schema.ts';
import type { Dependencies } from '../use-cases/dependencies.ts';
import {
  awaitEnd,
  deploymentWaitKeys,
  rolloutWaitKeys,
  wake,
  type WaitLook,
  type WaitResult,
} from '../use-cases/waits.ts';
import { announce, correlated, measure, type Step, type StepHandlerDependencies } from './step-handler.ts';

/** What a wait's functions use besides their check step's own dependencies: the wait records, the workflow to resume, the config (which app a service serves). */
export type WaitHandlerDependencies = StepHandlerDependencies & Pick<Dependencies, 'objects' | 'workflow' | 'config'>;

const KIND: Record<WaitState, WaitKind> = { AwaitBuild: 'build', AwaitRollout: 'rollout' };

/**
 * The Lambda shape of a wait Task (AwaitBuild, AwaitRollout): the ASL's Payload `{ state, taskToken }`
 * in, nothing out (Step Functions ignores it): record the wait and look once with the check step.
 * `awaitHandler('AwaitBuild', checkBuild, () => ({ builds: aws.builds(), … }))`.
 */
export function awaitHandler<D>(
  task: WaitState,
  check: Step<D>,
  provide: () => NoInfer<D> & WaitHandlerDependencies,
): (event: unknown) => Promise<WaitResult> {
  return async (event) => {
    const request = parseWaitRequest(event);
    // Spelled out, not WaitHandlerDependencies: the IAM analysis in test/aws reads `Pick<Dependencies, …>` here.
    const deps: NoInfer<D> & StepHandlerDependencies & Pick<Dependencies, 'objects' | 'workflow' | 'config'> =
      correlated(provide(), { runId: request.state.runId, app: request.state.app, step: task });
    return awaitEnd(KIND[task], request, looking(task, check, deps), deps);
  };
}

/**
 * The Lambda shape of a wait's EventBridge target: CodeBuild's "Build State Change" (AwaitBuild) or
 * ECS's "Deployment State Change" (AwaitRollout) in; each wait the event may end looks again.
 * → what each look came to, for the log and the tests.
 */
export function wakeHandler<D>(
  task: WaitState,
  check: Step<D>,
  provide: () => NoInfer<D> & WaitHandlerDependencies,
): (event: unknown) => Promise<WaitResult[]> {
  return async (event) => {
    const deps: NoInfer<D> & StepHandlerDependencies & Pick<Dependencies, 'objects' | 'workflow' | 'config'> =
      provide();
    const look = (key: string) => wake(KIND[task], key, looking(task, check, deps), deps);
    const inTurn = async (keys: string[]) => {
      const results: WaitResult[] = [];
      for (const key of keys) results.push(await look(key));
      return results;
    };
    let results: WaitResult[];
    if (task === 'AwaitBuild') {
      results = await inTurn([buildWaitKey(buildIdOf(event))]);
    } else {
      // A deployment that ended: the wait on it is read at once, then the listing finds the others the change may
      // concern (older runs a newer run's deployment supersedes) — after, so its requests do not compete with the
      // ones that resume the run the user watches. One that started concerns those older runs: the listing alone
      // (its own run, if already waiting, is still waiting).
      const { service, deploymentId, started } = deploymentOf(event);
      const direct =
        service !== undefined && deploymentId !== undefined && !started
          ? deploymentWaitKeys(service, deploymentId, deps)
          : [];
      const own = await Promise.all(direct.map(look));
      const others = await inTurn((await rolloutWaitKeys(service, deps)).filter((key) => !direct.includes(key)));
      results = [...own, ...others];
    }
    deps.logger.debug('event looked at', {
      task,
      waits: results.filter((r) => r !== 'none').length,
      resumed: results.filter((r) => r === 'resumed').length,
    });
    return results;
  };
}

/** The check step as a wait's look, its log lines carrying the run's keys; the end announced and measured as the step handler does. */
function looking<D>(
  task: WaitState,
  check: Step<D>,
  deps: NoInfer<D> & Pick<Dependencies, 'events' | 'logger' | 'metrics' | 'clock'>,
): WaitLook {
  return {
    check: (state: RunState) => check(state, correlated(deps, { runId: state.runId, app: state.app, step: task })),
    over: async (state: RunState) => {
      await announce(task, 'exit', state, deps);
      measure(task, state, deps);
    },
  };
}

const BuildStateChangeSchema = v.looseObject({
  'detail-type': v.literal('CodeBuild Build State Change'),
  detail: v.looseObject({ 'build-id': v.string() }),
});
const DeploymentStateChangeSchema = v.looseObject({
  'detail-type': v.literal('ECS Deployment State Change'),
  resources: v.optional(v.array(v.string()), []),
  detail: v.optional(v.looseObject({ deploymentId: v.optional(v.string()), eventName: v.optional(v.string()) }), {}),
});

/** CodeBuild names the build by its ARN; the wait is recorded under the id StartBuild returned. */
function buildIdOf(event: unknown): string {
  const build = parse(BuildStateChangeSchema, event, 'CodeBuild Build State Change');
  const id = buildIdOfArn(build.detail['build-id']);
  if (!id)
    throw new InvalidInputError(
      `The Build State Change names build "${build.detail['build-id']}", which is not a CodeBuild build ARN.`,
    );
  return id;
}

/**
 * The service the deployment belongs to (its ARN is the event's resource) and the deployment's id, each undefined
 * when the event names none; `started` when the event says the deployment is under way (not that it ended).
 */
function deploymentOf(event: unknown): { service?: string; deploymentId?: string; started: boolean } {
  const change = parse(DeploymentStateChangeSchema, event, 'ECS Deployment State Change');
  const [arn] = change.resources;
  return {
    ...(arn !== undefined && { service: serviceNameOfArn(arn) }),
    ...(change.detail.deploymentId !== undefined && { deploymentId: change.detail.deploymentId }),
    started: change.detail.eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS',
  };
}

function parse<S extends v.GenericSchema>(schema: S, event: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, event);
  if (result.success) return result.output;
  const issues = describeIssues(result.issues);
  throw new InvalidInputError(`The event is not a ${what} as EventBridge delivers it: ${issues.join('; ')}`, issues);
}
