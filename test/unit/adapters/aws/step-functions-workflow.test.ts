import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionArnPrefix, StepFunctionsWorkflow } from '../../../../src/adapters/aws/step-functions-workflow.ts';
import { InvalidConfigError } from '../../../../src/domain/errors.ts';
import type { ExecutionEvent } from '../../../../src/domain/execution.ts';
import type { RunInput } from '../../../../src/domain/run-state.ts';
import { runView } from '../../../../src/domain/run-view.ts';
import { awsError } from './aws-error.ts';
import {
  at,
  BUILD_FAILED_CAUSE,
  BUILD_FAILED_MESSAGE,
  BUILDING,
  CAUGHT,
  EXECUTION_ARN,
  HISTORY,
  PREPARED,
  REPORTED,
  RUN_ID,
  RUN_INPUT,
  STATE_MACHINE_ARN,
  STILL_BUILDING,
  TRANSIENT_CAUSE,
} from './fixtures/step-functions-history.ts';

const sfn = mockClient(SFNClient);
const ts = (second: number) => at(second).toISOString();

function execution(
  name: string,
  app: string,
  overrides: Partial<DescribeExecutionOutput> = {},
): DescribeExecutionOutput {
  return {
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway-pipeline:${name}`,
    stateMachineArn: STATE_MACHINE_ARN,
    name,
    status: 'FAILED',
    startDate: at(0),
    stopDate: at(28),
    input: JSON.stringify({ ...RUN_INPUT, runId: name, app }),
    inputDetails: { included: true },
    error: 'BuildFailedError',
    cause: BUILD_FAILED_MESSAGE,
    ...overrides,
  };
}

function mockHistory(events: HistoryEvent[], describe: DescribeExecutionOutput = execution(RUN_ID, 'hello')) {
  sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves(describe);
  sfn
    .on(GetExecutionHistoryCommand, { executionArn: EXECUTION_ARN, maxResults: 1000, includeExecutionData: true })
    .resolves({ events: events.slice(0, 20), ...(events.length > 20 && { nextToken: 'page-2' }) })
    .on(GetExecutionHistoryCommand, {
      executionArn: EXECUTION_ARN,
      maxResults: 1000,
      includeExecutionData: true,
      nextToken: 'page-2',
    })
    .resolves({ events: events.slice(20) });
}

/** What the recorded history must translate into, in order. */
const EXPECTED: [string, ExecutionEvent][] = [
  ['the run input', { type: 'ExecutionStarted', timestamp: ts(0), input: RUN_INPUT }],
  ['Prepare entered', { type: 'StateEntered', timestamp: ts(0), state: 'Prepare', input: RUN_INPUT }],
  ['Prepare exited with the repository', { type: 'StateExited', timestamp: ts(1), state: 'Prepare', output: PREPARED }],
  ['StartBuild entered', { type: 'StateEntered', timestamp: ts(1), state: 'StartBuild', input: PREPARED }],
  [
    'StartBuild exited with the build',
    { type: 'StateExited', timestamp: ts(2), state: 'StartBuild', output: BUILDING },
  ],
  ['WaitForBuild entered', { type: 'StateEntered', timestamp: ts(2), state: 'WaitForBuild', input: BUILDING }],
  ['WaitForBuild exited', { type: 'StateExited', timestamp: ts(12), state: 'WaitForBuild', output: BUILDING }],
  ['CheckBuild entered', { type: 'StateEntered', timestamp: ts(12), state: 'CheckBuild', input: BUILDING }],
  [
    'the Lambda failure charged to CheckBuild',
    { type: 'StateFailed', timestamp: ts(13), state: 'CheckBuild', error: 'TransientError', cause: TRANSIENT_CAUSE },
  ],
  [
    'the second LambdaFunctionScheduled as a retry',
    { type: 'StateRetried', timestamp: ts(15), state: 'CheckBuild', attempt: 2 },
  ],
  [
    'CheckBuild exited after the retry',
    { type: 'StateExited', timestamp: ts(16), state: 'CheckBuild', output: STILL_BUILDING },
  ],
  ['BuildFinished entered', { type: 'StateEntered', timestamp: ts(16), state: 'BuildFinished', input: STILL_BUILDING }],
  ['BuildFinished exited', { type: 'StateExited', timestamp: ts(16), state: 'BuildFinished', output: STILL_BUILDING }],
  [
    'WaitForBuild entered again',
    { type: 'StateEntered', timestamp: ts(16), state: 'WaitForBuild', input: STILL_BUILDING },
  ],
  [
    'WaitForBuild exited again',
    { type: 'StateExited', timestamp: ts(26), state: 'WaitForBuild', output: STILL_BUILDING },
  ],
  [
    'CheckBuild entered again (its first attempt is no retry)',
    { type: 'StateEntered', timestamp: ts(26), state: 'CheckBuild', input: STILL_BUILDING },
  ],
  [
    'the build failure',
    {
      type: 'StateFailed',
      timestamp: ts(27),
      state: 'CheckBuild',
      error: 'BuildFailedError',
      cause: BUILD_FAILED_CAUSE,
    },
  ],
  [
    'CheckBuild exited through the Catch',
    { type: 'StateExited', timestamp: ts(27), state: 'CheckBuild', output: CAUGHT },
  ],
  ['ReportFailure entered', { type: 'StateEntered', timestamp: ts(27), state: 'ReportFailure', input: CAUGHT }],
  [
    'ReportFailure exited with the failure',
    { type: 'StateExited', timestamp: ts(28), state: 'ReportFailure', output: REPORTED },
  ],
  ['the Fail state entered', { type: 'StateEntered', timestamp: ts(28), state: 'Failed', input: REPORTED }],
  [
    'the execution failure, without a StateFailed for the Fail state',
    { type: 'ExecutionFailed', timestamp: ts(28), error: 'BuildFailedError', cause: BUILD_FAILED_MESSAGE },
  ],
];

describe('StepFunctionsWorkflow', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('starts an execution named after the run with the run as its input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: at(0) });
    const workflow = new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN, client: new SFNClient({}) });

    const result = await workflow.start(RUN_INPUT as RunInput);

    expect(result).toEqual({ started: true });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: RUN_ID,
      input: JSON.stringify(RUN_INPUT),
    });
  });

  it('does not count a duplicate event as a second run', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(awsError('ExecutionAlreadyExists', 400, `Execution Already Exists: '${EXECUTION_ARN}'`));
    const workflow = new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN });

    await expect(workflow.start(RUN_INPUT as RunInput)).resolves.toEqual({ started: false });
  });

  it.each(EXPECTED.map(([label, event], index) => [index, label, event] as const))(
    'translates the recorded history: event %i is %s',
    async (index, _label, event) => {
      mockHistory(HISTORY);
      const workflow = new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN });

      const history = await workflow.history(RUN_ID);

      expect(history?.events[index]).toEqual(event);
    },
  );

  it('translates the recorded history into nothing more than those events', async () => {
    mockHistory(HISTORY);

    const history = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);

    expect(history?.events).toHaveLength(EXPECTED.length);
  });

  it('translates into a history the run view reads: build failed after one retry, nothing after it ran', async () => {
    mockHistory(HISTORY);

    const history = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);
    const view = runView(history!);

    expect(view.steps.map((s) => [s.name, s.status, s.retries])).toEqual([
      ['prepare', 'SUCCEEDED', 0],
      ['build', 'FAILED', 1],
      ['lifecycle', 'SKIPPED', 0],
      ['deploy', 'SKIPPED', 0],
      ['rollout', 'SKIPPED', 0],
    ]);
    expect(view.error).toEqual({ step: 'build', name: 'BuildFailedError', message: BUILD_FAILED_MESSAGE });
  });

  it('reads every page of the history of the execution named after the run', async () => {
    mockHistory(HISTORY);

    await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);

    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: EXECUTION_ARN });
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: EXECUTION_ARN, maxResults: 1000, includeExecutionData: true },
      { executionArn: EXECUTION_ARN, maxResults: 1000, includeExecutionData: true, nextToken: 'page-2' },
    ]);
  });

  it('summarises the execution: app from its input, status and times', async () => {
    mockHistory(HISTORY);

    const history = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);

    expect(history).toMatchObject({
      runId: RUN_ID,
      app: 'hello',
      status: 'FAILED',
      startedAt: ts(0),
      stoppedAt: ts(28),
      input: RUN_INPUT,
    });
  });

  it('has no history for a run that does not exist', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 400));

    await expect(
      new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID),
    ).resolves.toBeUndefined();
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });

  it('charges an execution timeout to the state that was running', async () => {
    const events = [
      ...HISTORY.slice(0, 12),
      { id: 13, previousEventId: 12, timestamp: at(40), type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} },
    ] as HistoryEvent[];
    mockHistory(events, execution(RUN_ID, 'hello', { status: 'TIMED_OUT', stopDate: at(40) }));

    const history = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);

    expect(history?.status).toBe('TIMED_OUT');
    expect(history?.events.slice(-2)).toEqual([
      {
        type: 'StateFailed',
        timestamp: ts(40),
        state: 'WaitForBuild',
        error: 'States.Timeout',
        cause: 'The execution took longer than its timeout.',
      },
      {
        type: 'ExecutionFailed',
        timestamp: ts(40),
        error: 'States.Timeout',
        cause: 'The execution took longer than its timeout.',
      },
    ]);
  });

  it('records one StateFailed for an uncaught Lambda failure', async () => {
    const events = [
      ...HISTORY.slice(0, 16),
      {
        id: 17,
        previousEventId: 16,
        timestamp: at(13),
        type: 'LambdaFunctionTimedOut',
        lambdaFunctionTimedOutEventDetails: {},
      },
      {
        id: 18,
        previousEventId: 17,
        timestamp: at(13),
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'States.Timeout' },
      },
    ] as HistoryEvent[];
    mockHistory(events);

    const history = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).history(RUN_ID);

    expect(history?.events.filter((e) => e.type === 'StateFailed')).toEqual([
      { type: 'StateFailed', timestamp: ts(13), state: 'CheckBuild', error: 'States.Timeout', cause: '' },
    ]);
  });

  it('lists the newest executions of an app, stopping at the limit', async () => {
    const names = [
      '01JD0000000000000000000005',
      '01JD0000000000000000000004',
      '01JD0000000000000000000003',
      '01JD0000000000000000000002',
    ];
    const apps: Record<string, string> = {
      [names[0] as string]: 'other',
      [names[1] as string]: 'hello',
      [names[2] as string]: 'hello',
      [names[3] as string]: 'hello',
    };
    sfn.on(ListExecutionsCommand).resolves({
      executions: names.map((name) => ({
        executionArn: `${executionArnPrefix(STATE_MACHINE_ARN)}${name}`,
        stateMachineArn: STATE_MACHINE_ARN,
        name,
        status: 'SUCCEEDED',
        startDate: at(0),
      })),
    });
    for (const name of names) {
      sfn
        .on(DescribeExecutionCommand, { executionArn: `${executionArnPrefix(STATE_MACHINE_ARN)}${name}` })
        .resolves(execution(name, apps[name] as string, { status: 'SUCCEEDED' }));
    }
    const workflow = new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN });

    const runs = await workflow.list({ app: 'hello', limit: 2 });

    expect(runs).toEqual([
      { runId: names[1], app: 'hello', status: 'SUCCEEDED', startedAt: ts(0), stoppedAt: ts(28) },
      { runId: names[2], app: 'hello', status: 'SUCCEEDED', startedAt: ts(0), stoppedAt: ts(28) },
    ]);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 100,
    });
  });

  it.each([['unchanged', { unchanged: { digest: 'sha256:x', taskDefinition: 't', revision: 3, message: 'm' } }]])(
    'notes a run that succeeded without deploying as %s, from its output',
    async (note, output) => {
      sfn.on(ListExecutionsCommand).resolves({
        executions: [
          {
            executionArn: EXECUTION_ARN,
            stateMachineArn: STATE_MACHINE_ARN,
            name: RUN_ID,
            status: 'SUCCEEDED',
            startDate: at(0),
          },
        ],
      });
      sfn
        .on(DescribeExecutionCommand)
        .resolves(
          execution(RUN_ID, 'hello', { status: 'SUCCEEDED', output: JSON.stringify({ ...RUN_INPUT, ...output }) }),
        );

      const runs = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).list({ limit: 1 });

      expect(runs).toEqual([
        { runId: RUN_ID, app: 'hello', status: 'SUCCEEDED', startedAt: ts(0), stoppedAt: ts(28), note },
      ]);
    },
  );

  it('lists only as many executions as asked for when no app is given', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: EXECUTION_ARN,
          stateMachineArn: STATE_MACHINE_ARN,
          name: RUN_ID,
          status: 'RUNNING',
          startDate: at(0),
        },
      ],
      nextToken: 'more',
    });
    sfn.on(DescribeExecutionCommand).resolves(execution(RUN_ID, 'hello', { status: 'RUNNING', stopDate: undefined }));

    const runs = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN }).list({ limit: 1 });

    expect(runs).toEqual([{ runId: RUN_ID, app: 'hello', status: 'RUNNING', startedAt: ts(0) }]);
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: STATE_MACHINE_ARN, maxResults: 1 },
    ]);
  });

  it('stops looking for an app’s runs after maxScannedExecutions describes', async () => {
    const items = Array.from({ length: 3 }, (_, i) => ({
      executionArn: `${EXECUTION_ARN}${i}`,
      stateMachineArn: STATE_MACHINE_ARN,
      name: `${RUN_ID}${i}`,
      status: 'SUCCEEDED' as const,
      startDate: at(0),
    }));
    sfn.on(ListExecutionsCommand).resolves({ executions: items, nextToken: 'more' });
    sfn.on(DescribeExecutionCommand).resolves(execution(RUN_ID, 'other'));

    const runs = await new StepFunctionsWorkflow({ stateMachineArn: STATE_MACHINE_ARN, maxScannedExecutions: 3 }).list({
      app: 'hello',
      limit: 20,
    });

    expect(runs).toEqual([]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it.each([
    [
      'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-pipeline',
      'arn:aws:states:eu-west-1:123456789012:execution:slipway-pipeline:',
    ],
    [
      'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:slipway:prod',
      'arn:aws-cn:states:cn-north-1:123456789012:execution:slipway:',
    ],
  ])('derives the execution ARNs of %s', (stateMachineArn, prefix) => {
    expect(executionArnPrefix(stateMachineArn)).toBe(prefix);
  });

  it('rejects a state machine ARN it cannot derive execution ARNs from', () => {
    expect(() => new StepFunctionsWorkflow({ stateMachineArn: 'slipway-pipeline' })).toThrow(InvalidConfigError);
  });
});
