import type { RunState } from '../domain/run-state.ts';
import { runMetrics } from '../domain/run-metrics.ts';
import { stepEvents } from '../domain/step-events.ts';
import type { TaskState } from '../pipeline/definition.ts';
import { parseRunState } from '../pipeline/run-state-schema.ts';
import { withFields } from '../ports/logger.ts';
import type { Dependencies } from '../use-cases/dependencies.ts';

/** A pipeline step: the run's state in, the next state out, with the dependencies it names. */
export type Step<D> = (state: RunState, deps: D) => Promise<RunState>;

/** What every step handler uses besides its step's own dependencies: the bus it announces on, the log, the run metrics and the clock. */
export type StepHandlerDependencies = Pick<Dependencies, 'events' | 'logger' | 'metrics' | 'clock'>;

/**
 * The Lambda shape of a step: validate the state, announce the step while running the use-case, announce
 * how it ended, return the new state. Errors go out as they are: Lambda reports `error.name` as
 * errorType and the state machine's Retry and Catch match on it.
 * `stepHandler('Deploy', deploy, () => ({ containers: aws.containers(), … }))`: the caller hands in
 * exactly what the step needs (the AWS wiring in functions/, the local wiring on the local stack).
 */
export function stepHandler<D>(
  task: TaskState,
  step: Step<D>,
  provide: () => NoInfer<D> & StepHandlerDependencies,
): (event: unknown) => Promise<RunState> {
  return async (event) => {
    const state = parseRunState(event);
    const deps: NoInfer<D> & Pick<Dependencies, 'events' | 'logger' | 'metrics' | 'clock'> = correlated(provide(), {
      runId: state.runId,
      app: state.app,
      step: task,
    });
    // The start is announced while the step works (in AWS a PutEvents costs a step tens of milliseconds);
    // the end goes out only after it, so the bus is always told in order. `announce` never throws.
    const entered = announce(task, 'enter', state, deps);
    const next = await step(state, deps).finally(() => entered);
    await announce(task, 'exit', next, deps);
    measure(task, next, deps);
    return next;
  };
}

/** The same dependencies, with a logger that puts the run's correlation keys on every line the step logs. */
export function correlated<T extends Pick<Dependencies, 'logger'>>(provided: T, keys: Record<string, string>): T {
  return { ...provided, logger: withFields(provided.logger, keys) };
}

/** Runs by outcome, build and rollout seconds, per app (EMF). Best effort, like the announcement. */
export function measure(
  task: TaskState,
  state: RunState,
  deps: Pick<Dependencies, 'metrics' | 'logger' | 'clock'>,
): void {
  try {
    deps.metrics.publish(runMetrics(task, state, deps.clock.now()));
  } catch (error) {
    deps.logger.warn('could not publish run metrics', { error: String(error) });
  }
}

/** Publish `Run Step Changed`. Best effort: a subscriber's bus being unavailable must not fail or repeat a deploy. */
export async function announce(
  task: TaskState,
  moment: 'enter' | 'exit',
  state: RunState,
  deps: Pick<Dependencies, 'events' | 'logger'>,
): Promise<void> {
  const details = stepEvents(task, moment, state);
  if (details.length === 0) return;
  try {
    await deps.events.publish(
      details.map((detail) => ({
        source: 'slipway',
        detailType: 'Run Step Changed',
        detail: { ...detail },
        resources: [],
      })),
    );
  } catch (error) {
    deps.logger.warn('could not publish Run Step Changed', { runId: state.runId, task, error: String(error) });
  }
}
