import { appConfig } from '../../domain/config.ts';
import { imageTags } from '../../domain/image-tags.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/** Start the build and return at once; the state machine waits and polls CheckBuild. */
export async function startBuild(state: RunState, deps: Pick<Dependencies, 'config' | 'builds' | 'objects' | 'clock' | 'logger' | 'settings'>): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  const repository = requirePart(state, 'repository');
  const download = await deps.objects.createDownload({ key: state.context.key, expiresInSeconds: deps.settings.contextDownloadSeconds });
  const { buildId } = await deps.builds.start({
    runId: state.runId,
    app: state.app,
    contextUrl: download.url,
    contextPath: app.contextPath,
    dockerfile: app.dockerfile,
    imageRepository: repository.uri,
    imageTags: imageTags(state.runId, state.trigger),
    buildArgs: app.buildArgs,
    ...(app.target !== undefined && { target: app.target }),
    ...(app.platform !== undefined && { platform: app.platform }),
  });
  deps.logger.info('build started', { runId: state.runId, app: state.app, buildId });
  return { ...state, build: { id: buildId, status: 'IN_PROGRESS', phase: 'SUBMITTED', startedAt: deps.clock.now().toISOString() } };
}
