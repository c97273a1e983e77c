import { appConfig } from '../../domain/config.ts';
import { BuildFailedError, DockerfileNotFoundError } from '../../domain/errors.ts';
import { imageReference, isDigest } from '../../domain/images.ts';
import { imageTags } from '../../domain/image-tags.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/** Read where the build is; a finished build yields the pushed image, a failed one a BuildFailedError with its phase and reason. */
export async function checkBuild(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'builds' | 'logger'>,
): Promise<RunState> {
  const build = requirePart(state, 'build');
  const repository = requirePart(state, 'repository');
  const current = await deps.builds.get(build.id);
  const progress = {
    ...build,
    id: build.id,
    status: current.status,
    phase: current.phase,
    ...(current.logs && { logs: current.logs }),
  };

  if (current.status === 'IN_PROGRESS') return { ...state, build: progress };
  if (current.status !== 'SUCCEEDED') {
    const failure = current.failure ?? { phase: current.phase, message: `the build ended ${current.status}` };
    if (/^DockerfileNotFound\b/.test(failure.message)) {
      throw new DockerfileNotFoundError(state.app, appConfig(deps.config, state.app).dockerfile);
    }
    const tail = current.logTail?.length ? `\nLast build output:\n${current.logTail.slice(-10).join('\n')}` : '';
    throw new BuildFailedError(
      `The build of app "${state.app}" failed in ${failure.phase}: ${failure.message}.${tail}`,
      build.id,
      failure.phase,
    );
  }
  if (!current.imageDigest || !isDigest(current.imageDigest)) {
    throw new BuildFailedError(
      `The build of app "${state.app}" succeeded but exported no image digest (IMAGE_DIGEST="${current.imageDigest ?? ''}"). Check that buildspec/buildspec.yml pushes the image and exports IMAGE_DIGEST.`,
      build.id,
      current.phase,
    );
  }
  deps.logger.info('image pushed', { runId: state.runId, app: state.app, digest: current.imageDigest });
  return {
    ...state,
    build: progress,
    image: {
      repository: repository.uri,
      digest: current.imageDigest,
      tags: imageTags(state.runId, state.trigger, state.buildKey),
      reference: imageReference(repository.uri, current.imageDigest),
    },
  };
}
