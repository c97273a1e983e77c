import * as v from 'valibot';
import { appConfig } from '../domain/config.ts';
import { InvalidInputError, RunNotFoundError, SlipwayError, type ErrorKind } from '../domain/errors.ts';
import { isRunId } from '../domain/run-id.ts';
import type { RunInput } from '../domain/run-state.ts';
import { describeIssues } from '../domain/validation.ts';
import type { Dependencies } from './dependencies.ts';
import { eventRunId } from './event-run-id.ts';

export class NothingToRebuildError extends SlipwayError {
  override name = 'NothingToRebuildError';
  override readonly kind: ErrorKind = 'not-found';
}

/** `slipway` / `Build Requested`, from `slipway rebuild`, another system, or an app's rebuild schedule. */
export interface BuildRequestedEvent {
  id: string;
  time: string;
  source: string;
  'detail-type': 'Build Requested';
  detail: unknown;
}

const DetailSchema = v.strictObject({
  app: v.string(),
  /** Rebuild this run's context; by default the newest context the app has. */
  runFrom: v.optional(v.pipe(v.string(), v.check(isRunId, 'must be a run id'))),
  /** Set by the schedule rule: the run's trigger is "schedule" rather than "event". */
  schedule: v.optional(v.boolean()),
});

/** How far back a rebuild looks for the newest context. */
const HISTORY = 20;

/**
 * Rebuild an app from a context it already has — to pick up patched base images, or because another
 * system asked. The run id comes from the event's id and time, so EventBridge delivering the event
 * twice starts one run.
 */
export async function startRebuild(
  event: BuildRequestedEvent,
  deps: Pick<Dependencies, 'config' | 'objects' | 'workflow' | 'clock' | 'logger'>,
): Promise<{ runId: string; started: boolean; from: string }> {
  const parsed = v.safeParse(DetailSchema, event.detail);
  if (!parsed.success)
    throw new InvalidInputError(
      `Invalid Build Requested detail: ${describeIssues(parsed.issues, 'detail').join('; ')}. Send {"app":"<name>","runFrom":"<runId>"?}.`,
    );
  const { app, runFrom, schedule } = parsed.output;
  appConfig(deps.config, app);
  const source = runFrom ? await contextOf(runFrom, app, deps) : await newestContext(app, deps);
  const runId = eventRunId(Date.parse(event.time) || deps.clock.now().getTime(), `${event.source}:${event.id}`);
  const input: RunInput = {
    runId,
    app,
    trigger: {
      kind: schedule ? 'schedule' : 'event',
      source: schedule ? 'schedule' : `${event.source} (rebuild of ${source.runId})`,
      ...(source.trigger.commit && { commit: source.trigger.commit }),
      ...(source.trigger.ref && { ref: source.trigger.ref }),
    },
    context: source.context,
    // A rebuild's point is a fresh image (patched base layers): it builds even when the build key's image exists.
    rebuild: true,
  };
  const { started } = await deps.workflow.start(input);
  deps.logger.info(started ? 'rebuild started' : 'duplicate event: rebuild already exists', {
    runId,
    app,
    from: source.runId,
  });
  return { runId, started, from: source.runId };
}

async function contextOf(
  runId: string,
  app: string,
  deps: Pick<Dependencies, 'config' | 'objects' | 'workflow' | 'clock' | 'logger'>,
): Promise<RunInput> {
  const history = await deps.workflow.history(runId);
  const input = history?.input as RunInput | undefined;
  if (!history || history.app !== app || !input) throw new RunNotFoundError(runId);
  if (!(await deps.objects.head(input.context.key))) {
    throw new NothingToRebuildError(
      `The context of run ${runId} ("${input.context.key}") is no longer in the bucket (contexts expire). Deploy again: slipway deploy <dir> --app ${app}`,
    );
  }
  return input;
}

async function newestContext(
  app: string,
  deps: Pick<Dependencies, 'config' | 'objects' | 'workflow' | 'clock' | 'logger'>,
): Promise<RunInput> {
  for (const run of await deps.workflow.list({ app, limit: HISTORY })) {
    const input = (await deps.workflow.history(run.runId))?.input as RunInput | undefined;
    // A rollback carries an image, not a context of its own.
    if (!input || input.image || !input.context.key) continue;
    if (await deps.objects.head(input.context.key)) return input;
  }
  throw new NothingToRebuildError(
    `App "${app}" has no context to rebuild in its last ${HISTORY} runs. Deploy it first: slipway deploy <dir> --app ${app}`,
  );
}
