import './polyfills.ts';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { ExecutionEvent, ExecutionHistory, ExecutionStatus, ExecutionSummary } from '../../domain/execution.ts';
import type { RunInput } from '../../domain/run-state.ts';
import type { Logger } from '../../ports/logger.ts';
import type { TaskOutcome, Workflow } from '../../ports/workflow.ts';
import { writeJsonAtomically } from './atomic-json.ts';
import { throttled } from './throttled.ts';
import { unlessMissing } from './unless-missing.ts';

type TaskHandler = (input: unknown) => Promise<unknown>;

/** How far the history file of a running execution may lag its history in memory. */
const HISTORY_WRITE_GAP_MS = 250;
type EngineEvent = { type: string; timestamp: number; [field: string]: unknown };

export interface LocalWorkflowOptions {
  /** The state machine definition, with its Task resources already substituted. */
  definition: object;
  /**
   * Task state name → the handler Step Functions would invoke. A callback Task's handler
   * (`lambda:invoke.waitForTaskToken`) gets the Task's Payload, as its Lambda would, and the Task
   * ends when `resume` is called with the token the Payload carries.
   */
  handlers: Record<string, TaskHandler>;
  /** Executions are kept as one JSON file each here, so runs outlive the local stack's process. */
  stateDir: string;
  /** Wait state name → milliseconds: the local stack polls faster than AWS does. */
  waitOverrides?: Record<string, number>;
  /** Retrying state name → milliseconds between attempts. */
  retryOverrides?: Record<string, number>;
  logger: Logger;
}

/** A callback Task waiting for `resume`: its token, its state, whether its handler has returned, how to end it. */
interface OpenWait {
  token: string;
  state: string;
  ready: boolean;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

/** The task tokens the local stack hands callback Tasks (`$$.Task.Token`): `local-task-token:<run id>/<attempt>`, one per Task attempt. */
const TOKEN_PREFIX = 'local-task-token:';

/**
 * The Step Functions stand-in: aws-local-stepfunctions running the very same ASL, its Task states
 * mapped to the same handlers, each execution named after its run id. The engine knows no callback
 * Tasks (`.waitForTaskToken`) nor `$$.Task.Token`: this class gives each execution a token and
 * emulates them, the Task's own TimeoutSeconds and Retry staying the engine's.
 */
export class LocalStepFunctionsWorkflow implements Workflow {
  private readonly machine: StateMachine;
  private readonly running = new Map<string, ExecutionHistory>();
  private readonly settled = new Set<Promise<void>>();
  private readonly callbackStates: Set<string>;
  /** Run id → the callback Task it waits in. One at a time: a run is in one state at a time. */
  private readonly waits = new Map<string, OpenWait>();
  /** Callback Task attempts so far: each one's token is unique in this process (a restart ends the waits anyway). */
  private attempts = 0;
  /** Per running execution: who waits for its next event (changed()). */
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly options: LocalWorkflowOptions) {
    this.machine = new StateMachine(options.definition as StateMachineDefinition);
    const states = (options.definition as { States?: Record<string, { Type?: string; Resource?: string }> }).States;
    this.callbackStates = new Set(
      Object.entries(states ?? {})
        .filter(([, state]) => state.Type === 'Task' && String(state.Resource).endsWith('.waitForTaskToken'))
        .map(([name]) => name),
    );
  }

  /** Runs left RUNNING by a local stack that stopped mid-run can never finish: say so instead of showing them running forever. */
  async recover(): Promise<number> {
    let recovered = 0;
    for (const history of await this.readAll()) {
      if (history.status !== 'RUNNING' || this.running.has(history.runId)) continue;
      const timestamp = new Date().toISOString();
      const cause = 'The local stack stopped while this run was in progress. Deploy again.';
      history.status = 'ABORTED';
      history.stoppedAt = timestamp;
      history.events.push({ type: 'ExecutionFailed', timestamp, error: 'ExecutionAborted', cause });
      await this.save(history);
      recovered += 1;
    }
    return recovered;
  }

  async start(input: RunInput): Promise<{ started: boolean }> {
    if (this.running.has(input.runId) || (await this.read(input.runId))) return { started: false };
    const startedAt = new Date().toISOString();
    const history: ExecutionHistory = {
      runId: input.runId,
      app: input.app,
      status: 'RUNNING',
      startedAt,
      input,
      events: [],
    };
    this.running.set(input.runId, history);
    this.tell(input.runId);
    await this.save(history);

    const execution = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(input.runId) as never,
        ...(this.options.waitOverrides && { waitTimeOverrides: this.options.waitOverrides }),
        ...(this.options.retryOverrides && { retryIntervalOverrides: this.options.retryOverrides }),
      },
      context: {
        Execution: { Id: input.runId, Name: input.runId, Input: input as never, StartTime: startedAt },
        Task: { Token: `${TOKEN_PREFIX}${input.runId}` },
      } as never,
    });
    const done = this.follow(history, execution.eventLogs as AsyncGenerator<EngineEvent>, execution.result);
    this.settled.add(done);
    void done.finally(() => this.settled.delete(done));
    return { started: true };
  }

  async history(runId: string): Promise<ExecutionHistory | undefined> {
    return this.running.get(runId) ?? (await this.read(runId));
  }

  async list(filter: { app?: string; limit: number }): Promise<ExecutionSummary[]> {
    const all = await this.readAll();
    for (const live of this.running.values()) {
      const index = all.findIndex((h) => h.runId === live.runId);
      if (index >= 0) all[index] = live;
    }
    return all
      .filter((h) => !filter.app || h.app === filter.app)
      .sort((a, b) => (a.runId < b.runId ? 1 : -1)) // ULIDs sort by time
      .slice(0, filter.limit)
      .map(({ runId, app, status, startedAt, stoppedAt, events }) => {
        const end = events.at(-1);
        return {
          runId,
          app,
          status,
          startedAt,
          ...(stoppedAt && { stoppedAt }),
          ...(end?.type === 'ExecutionSucceeded' && { output: end.output }),
        };
      });
  }

  async resume(token: string, outcome: TaskOutcome): Promise<boolean> {
    const runId = token.startsWith(TOKEN_PREFIX) ? token.slice(TOKEN_PREFIX.length).split('/')[0] : undefined;
    const wait = runId === undefined ? undefined : this.waits.get(runId);
    // As Step Functions: a token ends its own Task attempt once; an earlier attempt's, or a used one, ends nothing.
    if (!runId || wait?.token !== token) return false;
    this.waits.delete(runId);
    if ('output' in outcome) wait.resolve(outcome.output);
    else wait.reject(Object.assign(new Error(outcome.error.message), { name: outcome.error.name }));
    return true;
  }

  /** `waitingOn('01J…')` → the callback Task the run waits in once its function has returned ('AwaitBuild'), or undefined. */
  waitingOn(runId: string): string | undefined {
    const wait = this.waits.get(runId);
    return wait?.ready ? wait.state : undefined;
  }

  async changed(runId: string, seenEvents: number, timeoutMs: number): Promise<void> {
    const history = this.running.get(runId);
    if (history ? history.status !== 'RUNNING' || history.events.length > seenEvents : await this.read(runId)) return;
    // Running with no news yet, or not started yet (its upload's event is on its way): wait for either. The engine
    // records a burst of events at once (a run's last states and its end, within a millisecond): the watcher hears
    // of it once the rest of the burst has landed, so one answer carries it rather than one per event.
    const listeners = this.listeners.get(runId) ?? new Set();
    this.listeners.set(runId, listeners);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(done);
        if (listeners.size === 0 && this.listeners.get(runId) === listeners) this.listeners.delete(runId);
        setImmediate(resolve);
      };
      const timer = setTimeout(done, timeoutMs).unref();
      listeners.add(done);
    });
  }

  /** Resolves once every execution in flight has ended (used when the stack stops and by tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.settled]);
  }

  /** The handlers of one execution: a callback Task's handler runs as its Lambda, and the Task waits for `resume`. */
  private handlersFor(runId: string): Record<string, TaskHandler> {
    return Object.fromEntries(
      Object.entries(this.options.handlers).map(([state, handler]) => [
        state,
        this.callbackStates.has(state) ? (input: unknown) => this.callback(runId, state, handler, input) : handler,
      ]),
    );
  }

  private async callback(runId: string, state: string, handler: TaskHandler, input: unknown): Promise<unknown> {
    let resolve!: OpenWait['resolve'];
    let reject!: OpenWait['reject'];
    const promise = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined); // the first look may end it with a failure before the engine listens
    // The engine's context, where `$$.Task.Token` comes from, is one per execution: each attempt of a callback
    // Task gets its own token here instead, as in Step Functions, so a late resume meant for an earlier wait
    // (this Task's attempt that timed out, or the build wait of a run now waiting on its rollout) ends nothing.
    const token = `${TOKEN_PREFIX}${runId}/${++this.attempts}`;
    const payload = (input as { Payload?: unknown }).Payload;
    const wait: OpenWait = { token, state, ready: false, resolve, reject };
    this.waits.set(runId, wait);
    const close = () => {
      if (this.waits.get(runId) === wait) this.waits.delete(runId);
    };
    try {
      await handler(withToken(payload, token));
    } catch (error) {
      close(); // the function failed: so does the Task, as when Step Functions' Invoke of it fails
      throw error;
    }
    wait.ready = true;
    return promise.finally(close);
  }

  private async follow(
    history: ExecutionHistory,
    events: AsyncGenerator<EngineEvent>,
    result: Promise<unknown>,
  ): Promise<void> {
    const outcome = result.then(
      () => 'SUCCEEDED' as const,
      (error: unknown) =>
        (error as Error)?.name === 'ExecutionTimeoutError'
          ? 'TIMED_OUT'
          : (error as Error)?.name === 'ExecutionAbortedError'
            ? 'ABORTED'
            : 'FAILED',
    );
    // The history in memory (what history() answers while the run lasts) takes each event at once; the
    // file, for after the run and after a restart, follows a moment later with every event so far. A run
    // never waits for its own history to be written, and a polling loop does not rewrite it 40 times a second.
    const saves = throttled(
      () =>
        this.save(history).catch((error: unknown) =>
          this.options.logger.warn('could not save the execution history', {
            runId: history.runId,
            error: String(error),
          }),
        ),
      HISTORY_WRITE_GAP_MS,
    );
    try {
      for await (const event of events) {
        const translated = translate(event);
        if (!translated) continue;
        history.events.push(translated);
        this.tell(history.runId);
        saves.request();
      }
    } catch (error) {
      this.options.logger.warn('event log ended early', { runId: history.runId, error: String(error) });
    }
    const status: ExecutionStatus = await outcome;
    this.waits.delete(history.runId);
    history.status = status;
    history.stoppedAt = history.events.at(-1)?.timestamp ?? new Date().toISOString();
    this.tell(history.runId);
    await saves.flush();
    await this.save(history);
    this.running.delete(history.runId);
    this.options.logger.info('execution ended', { runId: history.runId, app: history.app, status });
  }

  private tell(runId: string): void {
    for (const listener of [...(this.listeners.get(runId) ?? [])]) listener();
  }

  private file(runId: string): string {
    return join(this.options.stateDir, `${runId}.json`);
  }

  private async save(history: ExecutionHistory): Promise<void> {
    await writeJsonAtomically(this.file(history.runId), history, { compact: true });
  }

  /** Read synchronously, as it is written (writeJsonAtomically): start() asks first, on the way to every run's first step. */
  private async read(runId: string): Promise<ExecutionHistory | undefined> {
    const text = unlessMissing(() => readFileSync(this.file(runId), 'utf8'));
    return text === undefined ? undefined : (JSON.parse(text) as ExecutionHistory);
  }

  private async readAll(): Promise<ExecutionHistory[]> {
    let names: string[] = [];
    try {
      names = (await readdir(this.options.stateDir)).filter((n) => n.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const all = await Promise.all(names.map((n) => this.read(n.slice(0, -'.json'.length))));
    return all.filter((h): h is ExecutionHistory => h !== undefined);
  }
}

/** aws-local-stepfunctions' event log → the domain's execution events (the same shape the Step Functions adapter produces). */
export function translate(event: EngineEvent): ExecutionEvent | undefined {
  const timestamp = new Date(event.timestamp).toISOString();
  const state = event.state as { name: string; input?: unknown; output?: unknown } | undefined;
  const cause = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? ''));
  switch (event.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', timestamp, input: event.input };
    case 'StateEntered':
      return { type: 'StateEntered', timestamp, state: state!.name, input: state!.input };
    case 'StateExited':
      return { type: 'StateExited', timestamp, state: state!.name, output: state!.output };
    case 'StateFailed':
      return {
        type: 'StateFailed',
        timestamp,
        state: state!.name,
        error: String(event.Error),
        cause: cause(event.Cause),
      };
    case 'StateRetried':
      return {
        type: 'StateRetried',
        timestamp,
        state: state!.name,
        attempt: (event.retry as { attempt: number }).attempt,
      };
    case 'ExecutionSucceeded':
      return { type: 'ExecutionSucceeded', timestamp, output: event.output };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', timestamp, error: String(event.Error), cause: cause(event.Cause) };
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return { type: 'ExecutionFailed', timestamp, error: event.type, cause: `The execution ended: ${event.type}.` };
    default:
      return undefined; // StateCaught, map and parallel events: nothing the run view uses.
  }
}

/** The callback Task's Payload with this attempt's token where the ASL put `$$.Task.Token` (`taskToken`). */
function withToken(payload: unknown, token: string): unknown {
  if (typeof payload !== 'object' || payload === null || !('taskToken' in payload)) return payload;
  return { ...payload, taskToken: token };
}
