import { appConfig } from '../../domain/config.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/** Start the build and return at once; AwaitBuild waits for the build's end event. */
// The build fetches the context by location with its own access (no presigned URL: it would expire
// while the build queues, and anyone who can read the build's environment could use it).
export async function startBuild(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'builds' | 'clock' | 'logger' | 'settings'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const repository = requirePart(state, 'repository');
  const { buildId } = await deps.builds.start({
    runId: state.runId,
    app: state.app,
    context: { bucket: state.context.bucket ?? deps.settings.contextBucket, key: state.context.key },
    contextPath: app.contextPath,
    dockerfile: app.dockerfile,
    imageRepository: repository.uri,
    // The run id only: ApplyLifecycle adds the image's other names in the registry (addedTags).
    imageTags: [state.runId],
    buildArgs: app.buildArgs,
    ...(app.target !== undefined && { target: app.target }),
    ...(app.platform !== undefined && { platform: app.platform }),
  });
  deps.logger.info('build started', { runId: state.runId, app: state.app, buildId });
  return {
    ...state,
    build: { id: buildId, status: 'IN_PROGRESS', phase: 'SUBMITTED', startedAt: deps.clock.now().toISOString() },
  };
}
