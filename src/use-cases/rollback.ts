import { ulid } from 'ulid';
import * as v from 'valibot';
import { appConfig } from '../domain/config.ts';
import { InvalidInputError, RunNotFoundError, SlipwayError, type ErrorKind } from '../domain/errors.ts';
import { imageReference } from '../domain/images.ts';
import { isRunId } from '../domain/run-id.ts';
import type { RunInput } from '../domain/run-state.ts';
import { runView, type RunView } from '../domain/run-view.ts';
import { describeIssues } from '../domain/validation.ts';
import type { Dependencies } from './dependencies.ts';

export class NothingToRollBackToError extends SlipwayError {
  override name = 'NothingToRollBackToError';
  override readonly kind: ErrorKind = 'conflict';
}

const RollbackSchema = v.strictObject({
  /** The run whose image to deploy again; by default the newest successful run older than what serves now. */
  to: v.optional(v.pipe(v.string(), v.check(isRunId, 'must be a run id'))),
});

/** How far back `rollback` looks for successful runs. */
const HISTORY = 50;

/**
 * `rollback('hello', { to: '01J…' })` starts a new run that deploys the image an earlier successful
 * run built, without building: the state machine goes from Prepare straight to Deploy.
 */
export async function rollback(
  app: string,
  body: unknown,
  deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock' | 'logger'>,
): Promise<{ runId: string; rollbackTo: string; image: string }> {
  const parsed = v.safeParse(RollbackSchema, body);
  if (!parsed.success)
    throw new InvalidInputError(`Invalid rollback request: ${describeIssues(parsed.issues, 'body').join('; ')}.`);
  const config = appConfig(deps.config, app);
  const target = parsed.output.to
    ? await successfulRun(parsed.output.to, app, deps)
    : await previousSuccessfulRun(app, deps);
  if (!target.image) throw new NothingToRollBackToError(`Run ${target.id} recorded no image to deploy again.`);
  const image = { ...target.image, reference: imageReference(target.image.repository, target.image.digest) };
  const history = await deps.workflow.history(target.id);
  const context = (history?.input as RunInput | undefined)?.context ?? { key: '' };
  const runId = ulid(deps.clock.now().getTime());
  await deps.workflow.start({
    runId,
    app: config.name,
    trigger: { kind: 'rollback', source: target.id },
    context,
    image,
  });
  deps.logger.info('rollback started', { runId, app, rollbackTo: target.id, image: image.reference });
  return { runId, rollbackTo: target.id, image: image.reference };
}

async function successfulRun(
  runId: string,
  app: string,
  deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock' | 'logger'>,
): Promise<RunView> {
  const history = await deps.workflow.history(runId);
  if (!history || history.app !== app) throw new RunNotFoundError(runId);
  const view = runView(history);
  if (view.status !== 'SUCCEEDED') {
    throw new InvalidInputError(
      `Run ${runId} ${view.status.toLowerCase()}; only a successful run can be rolled back to. List them with: slipway runs --app ${app}`,
    );
  }
  return view;
}

async function previousSuccessfulRun(
  app: string,
  deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock' | 'logger'>,
): Promise<RunView> {
  const config = appConfig(deps.config, app);
  const serving = await deps.containers.serving({ app, service: config.service });
  const runs = (await deps.workflow.list({ app, limit: HISTORY })).filter((r) => r.status === 'SUCCEEDED');
  for (const run of runs) {
    const history = await deps.workflow.history(run.runId);
    const view = history && runView(history);
    // A run a newer one superseded never served its image: only a run that ended SUCCEEDED is a version to go back to.
    if (
      view?.status === 'SUCCEEDED' &&
      view.image &&
      imageReference(view.image.repository, view.image.digest) !== serving?.image
    )
      return view;
  }
  throw new NothingToRollBackToError(
    `No successful run of app "${app}" deployed an image other than the one serving now${serving ? ` (${serving.image})` : ''}. Name one with --to <runId>.`,
  );
}
