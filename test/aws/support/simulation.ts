import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { LocalStepFunctionsWorkflow } from '../../../src/adapters/local/local-workflow.ts';
import type { ExecutionHistory } from '../../../src/domain/execution.ts';
import type { RunInput, RunState } from '../../../src/domain/run-state.ts';
import { runView, type RunView } from '../../../src/domain/run-view.ts';
import type { TaskState } from '../../../src/pipeline/definition.ts';
import { useEnvironment } from '../../../src/wiring/aws.ts';
import { driveToEnd, functionsWorkflow } from '../../support/run-machine.ts';
import * as aws from './aws-fixtures.ts';
import {
  CONTEXT,
  deliverEnd,
  mockAwsClients,
  buildsNewImage,
  routeCallbacks,
  SimulatedBucket,
} from './simulated-aws.ts';

/**
 * The state machine in AWS without an account: the real ASL on aws-local-stepfunctions, the real
 * functions/ handlers, the real AWS adapters as src/wiring/aws.ts builds them, and only the SDK
 * clients' `send` scripted (module-scope mocks replace it on every client the wiring creates). The
 * bucket's own objects (deploy markers, wait records) behave as S3's; a callback Task waits until its
 * event's function, or its own first look, resumes it through the mocked SendTaskSuccess/Failure.
 */
export const mocks = mockAwsClients();

export const KEY = `contexts/hello/${aws.RUN_ID}.tar.gz`;
export const INPUT: RunInput = {
  runId: aws.RUN_ID,
  app: 'hello',
  trigger: { kind: 'upload', source: 'dev@laptop' },
  context: { key: KEY, bucket: aws.BUCKET },
};
export const NEW_IMAGE = `${aws.REPOSITORY_URI}@${aws.DIGEST}`;
export { CONTEXT } from './simulated-aws.ts';

/** The commands a mocked client received, in order, with their inputs. */
export function sent(mock: { calls(): { args: unknown[] }[] }): [string, unknown][] {
  return mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name.replace(/Command$/, ''), command.input];
  });
}

/** The S3 calls on a key under `prefix`: `sentFor(mocks.s3, 'guards/')`. */
export function sentFor(mock: { calls(): { args: unknown[] }[] }, prefix: string): [string, unknown][] {
  return sent(mock).filter(([, input]) => {
    const { Key, Prefix } = input as { Key?: string; Prefix?: string };
    return (Key ?? Prefix ?? '').startsWith(prefix);
  });
}

export interface SimulatedRun {
  /** What the run view shows of it. */
  view: RunView;
  history: ExecutionHistory;
  /** The Lambda invocations, in order: Task functions by state, event functions by file. */
  invoked: string[];
}

export interface RunOptions {
  /**
   * What comes while the run waits in a callback Task (each time it is left waiting): by default the
   * event that ends the wait (`deliverEnd`). A function that delivers nothing returns false: the run
   * then waits for its Task's timeout.
   */
  deliver?: (task: string, state: RunState) => Promise<boolean>;
  /** Shorter TimeoutSeconds for some states (the fallback look after an event that never came). */
  timeouts?: Partial<Record<TaskState, number>>;
  timeoutMs?: number;
}

/**
 * Registers the hooks of a simulation suite — its own slipway.config.json (the simulation pins the
 * app's settings, whatever the example project's say), the Lambda environment serverless.yml sets
 * (plus `environment`), every mock reset before each test with the upload scripted and the bucket empty —
 * and returns `run()`: one run of INPUT to its end, as the run view shows it; `simulate()`: the same with
 * its history and the functions it invoked; and `bucket()`, the bucket's own objects. Call at the top of
 * the test file, before its own beforeEach.
 */
export function useSimulation(
  config: unknown,
  environment: Record<string, string> = {},
): {
  run: (options?: RunOptions) => Promise<RunView>;
  simulate: (options?: RunOptions) => Promise<SimulatedRun>;
  bucket: () => SimulatedBucket;
} {
  let env: Record<string, string> = {};
  let bucket = new SimulatedBucket();
  let workflow: LocalStepFunctionsWorkflow | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-sim-'));
    await writeFile(join(dir, 'slipway.config.json'), JSON.stringify(config));
    env = { ...aws.functionEnvironment(join(dir, 'slipway.config.json')), ...environment };
    // Presigned URLs are signed locally with these; nothing is sent anywhere.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_REGION', aws.REGION);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
    // The uploaded context (its metadata, then its bytes); the bucket's own objects (no deploy marker yet: newest
    // wins) as S3 keeps them.
    mocks.s3.on(HeadObjectCommand).resolves({
      ContentLength: 2048,
      ContentType: 'application/gzip',
      Metadata: { app: 'hello', 'run-id': aws.RUN_ID, uploader: 'dev@laptop' },
    });
    bucket = new SimulatedBucket();
    bucket.install(mocks.s3);
    routeCallbacks(mocks.sfn, () => workflow!);
    bucket.seed(KEY, CONTEXT);
    buildsNewImage(mocks.ecr);
  });
  const simulate = async (options: RunOptions = {}): Promise<SimulatedRun> => {
    useEnvironment({ ...env, SLIPWAY_LOG_LEVEL: 'silent' });
    const invoked: string[] = [];
    workflow = await functionsWorkflow(
      (task, handler) => (input) => (invoked.push(task), handler(input)),
      options.timeouts,
    );
    const deliver = options.deliver ?? (async (task, state) => (await deliverEnd(task, state), true));
    await workflow.start(INPUT);
    const history = await driveToEnd(
      workflow,
      INPUT.runId,
      async (task, state) => {
        const delivered = await deliver(task, state);
        if (delivered) invoked.push(task === 'AwaitBuild' ? 'wake-builds' : 'wake-rollouts');
        return delivered;
      },
      { ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) },
    );
    return { view: runView(history), history, invoked };
  };
  return { run: async (options) => (await simulate(options)).view, simulate, bucket: () => bucket };
}
