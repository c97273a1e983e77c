import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalStepFunctionsWorkflow } from '../../src/adapters/local/local-workflow.ts';
import type { ExecutionHistory } from '../../src/domain/execution.ts';
import type { RunInput } from '../../src/domain/run-state.ts';
import { loadDefinition, substitutionKey, TASK_FUNCTIONS, type TaskState } from '../../src/pipeline/definition.ts';
import type { Dependencies } from '../../src/use-cases/dependencies.ts';
import { taskHandlers } from '../../src/wiring/local.ts';
import { silentLogger } from './fakes.ts';

type TaskHandlers = Record<TaskState, (input: unknown) => Promise<unknown>>;

/** The real ASL on aws-local-stepfunctions, its Tasks bound to the real steps (as the local stack binds them), over the given dependencies. */
export async function localWorkflow(deps: Dependencies): Promise<LocalStepFunctionsWorkflow> {
  return workflowOver(taskHandlers(() => deps));
}

/** The real ASL, its Tasks bound to the real functions/ handlers (as Lambda runs them, with the AWS wiring). */
export async function functionsWorkflow(): Promise<LocalStepFunctionsWorkflow> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  return workflowOver(
    Object.fromEntries(
      states.map((s) => [
        s,
        async (input: unknown) =>
          (
            (await import(`../../functions/${TASK_FUNCTIONS[s]}.ts`)) as { handler: (e: unknown) => Promise<unknown> }
          ).handler(input),
      ]),
    ) as TaskHandlers,
  );
}

async function workflowOver(handlers: TaskHandlers): Promise<LocalStepFunctionsWorkflow> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  const definition = loadDefinition(
    Object.fromEntries(
      states.map((s) => [substitutionKey(s), `arn:aws:lambda:us-east-1:000000000000:function:${TASK_FUNCTIONS[s]}`]),
    ),
  );
  return new LocalStepFunctionsWorkflow({
    definition,
    handlers,
    stateDir: join(await mkdtemp(join(tmpdir(), 'slipway-exec-')), 'executions'),
    waitOverrides: { WaitForBuild: 0, WaitForRollout: 0, WaitForDeployTurn: 0 },
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
