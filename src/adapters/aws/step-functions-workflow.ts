import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { InvalidConfigError } from '../../domain/errors.ts';
import type { ExecutionHistory, ExecutionStatus, ExecutionSummary } from '../../domain/execution.ts';
import type { RunInput, RunState } from '../../domain/run-state.ts';
import type { Workflow } from '../../ports/workflow.ts';
import { parsePayload, translateHistory } from './sfn-history.ts';
import { awsErrorName, callAws } from './transient.ts';

export interface StepFunctionsWorkflowOptions {
  /** `arn:aws:states:<region>:<account>:stateMachine:<name>` */
  stateMachineArn: string;
  client?: SFNClient;
  /** Most executions `list` describes while looking for an app's runs (each costs a DescribeExecution). */
  maxScannedExecutions?: number;
}

const STATUS: Record<string, ExecutionStatus> = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
  // A redrive was requested: the execution is about to run again.
  PENDING_REDRIVE: 'RUNNING',
};
const DESCRIBE_CONCURRENCY = 10;

/** The Workflow port over a Step Functions standard state machine; each run is an execution named after its run id. */
export class StepFunctionsWorkflow implements Workflow {
  private readonly stateMachineArn: string;
  private readonly executionArnPrefix: string;
  private readonly client: SFNClient;
  private readonly maxScanned: number;

  constructor(options: StepFunctionsWorkflowOptions) {
    this.stateMachineArn = options.stateMachineArn;
    this.executionArnPrefix = executionArnPrefix(options.stateMachineArn);
    this.client = options.client ?? new SFNClient({});
    this.maxScanned = options.maxScannedExecutions ?? 200;
  }

  async start(input: RunInput): Promise<{ started: boolean }> {
    try {
      // Same name and input as a running execution: Step Functions answers with that execution
      // (idempotent); a finished one or other input: ExecutionAlreadyExists. Either way, one run.
      await callAws(`Step Functions StartExecution of run ${input.runId}`, () =>
        this.client.send(
          new StartExecutionCommand({
            stateMachineArn: this.stateMachineArn,
            name: input.runId,
            input: JSON.stringify(input),
          }),
        ),
      );
      return { started: true };
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionAlreadyExists') return { started: false };
      throw error;
    }
  }

  async history(runId: string): Promise<ExecutionHistory | undefined> {
    const executionArn = `${this.executionArnPrefix}${runId}`;
    const execution = await this.describe(executionArn);
    if (!execution) return undefined;
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws(`Step Functions GetExecutionHistory of run ${runId}`, () =>
        this.client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            includeExecutionData: true,
            ...(nextToken && { nextToken }),
          }),
        ),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const input = parsePayload(execution.input);
    return { ...summary(runId, execution, input), input, events: translateHistory(events) };
  }

  async list(filter: { app?: string; limit: number }): Promise<ExecutionSummary[]> {
    const found: ExecutionSummary[] = [];
    let scanned = 0;
    let nextToken: string | undefined;
    do {
      // Without an app filter every listed execution is a result: list no more than needed.
      const pageSize = Math.min(
        filter.app === undefined ? filter.limit - found.length : 100,
        this.maxScanned - scanned,
        1000,
      );
      if (pageSize <= 0) break;
      const page = await callAws('Step Functions ListExecutions', () =>
        this.client.send(
          new ListExecutionsCommand({
            stateMachineArn: this.stateMachineArn,
            maxResults: pageSize,
            ...(nextToken && { nextToken }),
          }),
        ),
      );
      const items = page.executions ?? [];
      for (let i = 0; i < items.length && found.length < filter.limit; i += DESCRIBE_CONCURRENCY) {
        const chunk = items.slice(i, i + DESCRIBE_CONCURRENCY);
        scanned += chunk.length;
        const described = await Promise.all(
          chunk.map((item) => (item.executionArn ? this.describe(item.executionArn) : undefined)),
        );
        for (const [index, execution] of described.entries()) {
          const name = chunk[index]?.name;
          if (!execution || !name) continue; // expired between the list and the describe
          const entry = summary(name, execution, parsePayload(execution.input));
          if (filter.app === undefined || entry.app === filter.app) found.push(entry);
          if (found.length >= filter.limit) break;
        }
      }
      nextToken = page.nextToken;
    } while (nextToken && found.length < filter.limit && scanned < this.maxScanned);
    return found;
  }

  private async describe(executionArn: string): Promise<DescribeExecutionOutput | undefined> {
    try {
      return await callAws(`Step Functions DescribeExecution of "${executionArn}"`, () =>
        this.client.send(new DescribeExecutionCommand({ executionArn })),
      );
    } catch (error) {
      // No such run; a run id that cannot form an ARN is no run either.
      if (awsErrorName(error) === 'ExecutionDoesNotExist' || awsErrorName(error) === 'InvalidArn') return undefined;
      throw error;
    }
  }
}

/** `executionArnPrefix('arn:aws:states:eu-west-1:123456789012:stateMachine:slipway')` → `arn:aws:states:eu-west-1:123456789012:execution:slipway:` */
export function executionArnPrefix(stateMachineArn: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'stateMachine' || !parts[6]) {
    throw new InvalidConfigError(
      `"${stateMachineArn}" is not a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>). Check the state machine ARN in the deployment's settings.`,
    );
  }
  return `${parts.slice(0, 5).join(':')}:execution:${parts[6]}:`;
}

function summary(runId: string, execution: DescribeExecutionOutput, input: unknown): ExecutionSummary {
  const app =
    typeof input === 'object' && input !== null && typeof (input as { app?: unknown }).app === 'string'
      ? (input as { app: string }).app
      : '';
  return {
    runId,
    app,
    status: STATUS[execution.status ?? 'RUNNING'] ?? 'RUNNING',
    startedAt: (execution.startDate ?? new Date(0)).toISOString(),
    ...(execution.stopDate && { stoppedAt: execution.stopDate.toISOString() }),
    // Only a succeeded execution has an output.
    ...((parsePayload(execution.output) as RunState | undefined)?.unchanged && { note: 'unchanged' }),
  };
}
