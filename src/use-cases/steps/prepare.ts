import { appConfig } from '../../domain/config.ts';
import { ContextNotFoundError } from '../../domain/errors.ts';
import { appLifecyclePolicy } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';

/** Check the app and its uploaded context, validate its lifecycle rules, and make sure the repository exists. */
export async function prepare(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'objects' | 'registry' | 'logger'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  // Invalid lifecycle rules fail the run here, before minutes are spent building.
  appLifecyclePolicy(app);
  // A rollback deploys an image that exists already; its context may have expired from the bucket.
  const context = state.image ? undefined : await deps.objects.head(state.context.key);
  if (!state.image && !context) throw new ContextNotFoundError(state.app, state.context.key);
  const repository = await deps.registry.ensureRepository(app.repository);
  deps.logger.info('run prepared', {
    runId: state.runId,
    app: state.app,
    bytes: context?.size,
    rollback: Boolean(state.image),
    repository: repository.uri,
  });
  return { ...state, repository: { name: app.repository, uri: repository.uri } };
}
