import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MAX_ROLLOUT_SECONDS } from '../../src/domain/waits.ts';
import { DEFINITION_PATH } from '../../src/pipeline/definition.ts';
import {
  loadDefinition,
  substitutionKey,
  TASK_FUNCTIONS,
  WAIT_TASKS,
  type TaskState,
} from '../../src/pipeline/definition.ts';

/** The substitutions CloudFormation makes in AWS: each Task's Lambda ARN (serverless.yml names functions `slipway-<stage>-<key>`). */
function deployedDefinition(): Record<string, unknown> {
  const states = Object.keys(TASK_FUNCTIONS) as TaskState[];
  return loadDefinition(
    Object.fromEntries(
      states.map((state) => [
        substitutionKey(state),
        `arn:aws:lambda:eu-west-1:123456789012:function:slipway-prod-${TASK_FUNCTIONS[state]}`,
      ]),
    ),
  ) as Record<string, unknown>;
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
type State = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
};

/** The Lambda errors AWS advises every Task that invokes a function to retry ("Handling transient Lambda service exceptions"). */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

const STATES = (JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as { States: Record<string, State> }).States;
const TASKS = Object.entries(STATES).filter(([, state]) => state.Type === 'Task');

/** The retrier that catches `error` in a state: the first whose ErrorEquals names it or States.ALL, as Step Functions picks. */
function retrierFor(state: State, error: string): Retrier | undefined {
  return state.Retry?.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
}

describe('state-machine.asl.json', () => {
  it.each(TASKS.flatMap(([name, state]) => LAMBDA_TRANSIENT.map((error) => [name, error, state] as const)))(
    '%s retries %s with exponential backoff',
    (_name, error, state) => {
      const retrier = retrierFor(state, error);

      expect(retrier).toBeDefined();
      expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(3);
      expect(retrier?.BackoffRate).toBeGreaterThan(1);
    },
  );

  it.each(TASKS.filter(([name]) => name !== 'ReportFailure'))(
    '%s retries its own transient errors (TransientError, ThrottlingException)',
    (_name, state) => {
      expect(retrierFor(state, 'TransientError')).toBeDefined();
      expect(retrierFor(state, 'ThrottlingException')).toBeDefined();
    },
  );

  it.each(TASKS)('%s caps and spreads its retries with values Step Functions accepts', (_name, state) => {
    for (const retrier of state.Retry ?? []) {
      if (retrier.JitterStrategy !== undefined) expect(['FULL', 'NONE']).toContain(retrier.JitterStrategy);
      if (retrier.MaxDelaySeconds !== undefined)
        expect(retrier.MaxDelaySeconds).toBeGreaterThanOrEqual(retrier.IntervalSeconds ?? 1);
    }
  });

  it.each(TASKS.filter(([name]) => name !== 'ReportFailure'))(
    '%s does not retry a failure that another try cannot fix',
    (_name, state) => {
      for (const error of ['BuildFailedError', 'RolloutFailedError', 'InvalidInputError', 'States.TaskFailed'])
        expect(retrierFor(state, error)).toBeUndefined();
    },
  );

  it.each(WAIT_TASKS)('%s waits by callback: its function gets the state and the Task token, and returns', (name) => {
    const state = STATES[name] as State;

    expect(state.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(state.Parameters).toEqual({
      FunctionName: `\${${name}FunctionArn}`,
      Payload: { 'state.$': '$', 'taskToken.$': '$$.Task.Token' },
    });
    expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReportFailure' }]);
  });

  it.each(WAIT_TASKS)('%s looks again at its timeout, a bounded number of times, without backoff', (name) => {
    const state = STATES[name] as State;
    const fallback = state.Retry?.[0];

    expect(fallback).toMatchObject({ ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, BackoffRate: 1 });
    // Each look adds a handful of history events: the history stays bounded however long the wait.
    expect((fallback?.MaxAttempts ?? 0) + 1).toBeLessThanOrEqual(65);
  });

  it("looks at the build often enough, for long enough, to outlast CodeBuild's longest queue and build (8 hours each)", () => {
    const state = STATES.AwaitBuild as State;

    expect(state.TimeoutSeconds).toBeLessThanOrEqual(15 * 60);
    expect((state.TimeoutSeconds ?? 0) * ((state.Retry?.[0]?.MaxAttempts ?? 0) + 1)).toBeGreaterThanOrEqual(16 * 3600);
  });

  it('looks at the rollout every 5 minutes at most, for longer than the longest deadline Deploy sets', () => {
    const state = STATES.AwaitRollout as State;

    expect(state.TimeoutSeconds).toBeLessThanOrEqual(300);
    expect((state.TimeoutSeconds ?? 0) * ((state.Retry?.[0]?.MaxAttempts ?? 0) + 1)).toBeGreaterThan(
      MAX_ROLLOUT_SECONDS,
    );
  });

  it('has no Wait state on the way from StartBuild to Succeeded but the wait for an older deploy’s turn', () => {
    expect(
      Object.entries(STATES)
        .filter(([, state]) => state.Type === 'Wait')
        .map(([name]) => name),
    ).toEqual(['WaitForDeployTurn']);
  });

  it('passes asl-validator with the ARNs filled in', () => {
    const result = aslValidator(deployedDefinition());

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is checked for real: a transition to a missing state fails the validator', () => {
    const definition = deployedDefinition() as { States: Record<string, { Next?: string }> };
    (definition.States.Prepare as { Next?: string }).Next = 'NoSuchState';

    expect(aslValidator(definition).isValid).toBe(false);
  });
});
