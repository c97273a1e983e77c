import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalStepFunctionsWorkflow } from '../../src/adapters/local/local-workflow.ts';
import type { ExecutionHistory } from '../../src/domain/execution.ts';
import type { RunInput, RunState } from '../../src/domain/run-state.ts';
import { parseWaitRecord, ROLLOUT_WAITS_PREFIX } from '../../src/domain/waits.ts';
import { loadDefinition, substitutionKey, TASK_FUNCTIONS, type TaskState } from '../../src/pipeline/definition.ts';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import type { Dependencies } from '../../src/use-cases/dependencies.ts';
import { eventTargets, taskHandlers } from '../../src/wiring/local.ts';
import { silentLogger } from './fakes.ts';

type TaskHandlers = Record<TaskState, (input: unknown) => Promise<unknown>>;

/**
 * The real ASL on aws-local-stepfunctions, its Tasks bound to the real steps (as the local stack binds them), over the
 * given dependencies. The fakes tell no one when a build or a rollout ends, so every few milliseconds each waiting run
 * hears the event CodeBuild or ECS would send, through the same wake targets the local stack's bus calls.
 */
export async function localWorkflow(deps: Dependencies): Promise<LocalStepFunctionsWorkflow> {
  // The waits resume the runs through the workflow port: this workflow, as on the local stack.
  const wired = (): Dependencies => ({ ...deps, workflow });
  const workflow = await workflowOver(taskHandlers(wired));
  const targets = eventTargets(wired);
  let busy = false;
  const pump = setInterval(() => {
    if (busy) return;
    busy = true;
    void wakeWaiting(workflow, deps.objects, targets).finally(() => (busy = false));
  }, 5);
  pump.unref();
  return workflow;
}

async function wakeWaiting(
  workflow: LocalStepFunctionsWorkflow,
  objects: ObjectStore,
  targets: ReturnType<typeof eventTargets>,
): Promise<void> {
  for (const key of await objects.list('waits/')) {
    const body = await objects.get(key);
    const record = body && parseWaitRecord(new TextDecoder().decode(body));
    if (!record || !workflow.waitingOn(record.state.runId)) continue;
    const event = waitEvent(key.startsWith(ROLLOUT_WAITS_PREFIX) ? 'AwaitRollout' : 'AwaitBuild', record.state);
    await (key.startsWith(ROLLOUT_WAITS_PREFIX) ? targets['wake-rollouts'] : targets['wake-builds'])!(event as never);
  }
}

/** The event that may end a run's wait, as EventBridge delivers it: its build's state change, or a deployment change of its service (the service unnamed: every rollout wait looks). */
export function waitEvent(task: string, state: Partial<RunState>, service?: string): Record<string, unknown> {
  if (task === 'AwaitBuild') {
    const arn = `arn:aws:codebuild:us-east-1:000000000000:build/${state.build?.id}`;
    return {
      'detail-type': 'CodeBuild Build State Change',
      source: 'aws.codebuild',
      resources: [arn],
      detail: { 'build-status': 'SUCCEEDED', 'build-id': arn, 'project-name': state.build?.id?.split(':')[0] },
    };
  }
  return {
    'detail-type': 'ECS Deployment State Change',
    source: 'aws.ecs',
    resources: service ? [service] : [],
    detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: state.deployment?.id },
  };
}

/** The real ASL, its Tasks bound to the real functions/ handlers (as Lambda runs them, with the AWS wiring). */
export async function functionsWorkflow(
  wrap: (task: TaskState, handler: (input: unknown) => Promise<unknown>) => (input: unknown) => Promise<unknown> = (
    _task,
    handler,
  ) => handler,
  timeouts: Partial<Record<TaskState, number>> = {},
): Promise<LocalStepFunctionsWorkflow> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  return workflowOver(
    Object.fromEntries(
      states.map((s) => [s, wrap(s, async (input: unknown) => (await functionHandler(TASK_FUNCTIONS[s]))(input))]),
    ) as TaskHandlers,
    timeouts,
  );
}

/** `functionHandler('wake-builds')` → the handler of functions/wake-builds.ts, as Lambda loads it. */
export async function functionHandler(name: string): Promise<(event: unknown) => Promise<unknown>> {
  return ((await import(`../../functions/${name}.ts`)) as { handler: (e: unknown) => Promise<unknown> }).handler;
}

/** `timeouts`: TimeoutSeconds to use instead of the ASL's for some states (to see a wait's fallback look without waiting minutes). */
async function workflowOver(
  handlers: TaskHandlers,
  timeouts: Partial<Record<TaskState, number>> = {},
): Promise<LocalStepFunctionsWorkflow> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  const definition = loadDefinition(
    Object.fromEntries(
      states.map((s) => [substitutionKey(s), `arn:aws:lambda:us-east-1:000000000000:function:${TASK_FUNCTIONS[s]}`]),
    ),
  ) as { States: Record<string, { TimeoutSeconds?: number }> };
  for (const [state, seconds] of Object.entries(timeouts)) definition.States[state]!.TimeoutSeconds = seconds;
  return new LocalStepFunctionsWorkflow({
    definition,
    handlers,
    stateDir: join(await mkdtemp(join(tmpdir(), 'slipway-exec-')), 'executions'),
    waitOverrides: { WaitForDeployTurn: 0 },
    retryOverrides: Object.fromEntries(states.map((s) => [s, 0])),
    logger: silentLogger,
  });
}

export const RUN_ID = '01JDQ8ZV7N2W4Y6A8C0E2G4J6M';
export const INPUT: RunInput = {
  runId: RUN_ID,
  app: 'hello',
  trigger: { kind: 'upload', source: 'dev@laptop' },
  context: { key: `contexts/hello/${RUN_ID}.tar.gz`, bucket: 'ctx' },
};

/** Start the run and wait (with a deadline) for it to end. */
export async function runToEnd(
  workflow: LocalStepFunctionsWorkflow,
  input: RunInput = INPUT,
): Promise<ExecutionHistory> {
  await workflow.start(input);
  await workflow.idle();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const history = await workflow.history(input.runId);
    if (history && history.status !== 'RUNNING') return history;
    if (Date.now() > deadline) throw new Error(`run ${input.runId} still running after 10s`);
    await sleep(10);
  }
}

/**
 * Drive a started run to its end, one event at a time: each time the run waits in a callback Task
 * (its function has returned), `deliver(task, state)` hands the event that may end the wait to its
 * function (or hands nothing and answers false: the run then waits for its Task's timeout). → the
 * ended history. Bounded: in real time (the Date may be faked), and at most `maxEvents` events.
 */
export async function driveToEnd(
  workflow: LocalStepFunctionsWorkflow,
  runId: string,
  deliver: (task: string, state: RunState) => Promise<boolean>,
  options: { maxEvents?: number; timeoutMs?: number } = {},
): Promise<ExecutionHistory> {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let events = 0;
  for (;;) {
    const history = await workflow.history(runId);
    if (history && history.status !== 'RUNNING') return history;
    const waiting = workflow.waitingOn(runId);
    if (waiting && history) {
      if (events >= (options.maxEvents ?? 20))
        throw new Error(`run ${runId} still waits in ${waiting} after ${options.maxEvents ?? 20} events`);
      const entered = history.events.findLast((e) => e.type === 'StateEntered' && e.state === waiting);
      if (await deliver(waiting, (entered as { input: RunState }).input)) {
        events += 1;
        continue;
      }
    }
    if (performance.now() > deadline) throw new Error(`run ${runId} did not end within the deadline`);
    await sleep(1);
  }
}
