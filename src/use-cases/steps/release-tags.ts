import type { AppConfig } from '../../domain/config.ts';
import { ReleaseTagError, TransientError } from '../../domain/errors.ts';
import { planReleaseTags, releaseTag, type TagMove } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { requirePart } from './require-part.ts';

/**
 * keepReleases, the doing half: `moveReleaseTags(app, digest, deps)` makes `slipway-release-1` name
 * `digest` and shifts the earlier releases down one; without a digest it only repairs the tags (a
 * smaller keepReleases leaves extra ones). Reads the tags first, so running it twice moves nothing.
 */
export async function moveReleaseTags(
  app: AppConfig,
  deployed: string | undefined,
  deps: Pick<Dependencies, 'registry'>,
): Promise<TagMove[]> {
  if (app.keepReleases === undefined) return [];
  const moves = planReleaseTags(await deps.registry.listImages(app.repository), app.keepReleases, deployed);
  for (const move of moves) await deps.registry.tagImage(app.repository, move.digest, move.tag);
  return moves;
}

/**
 * A rollout completed: tag its image as the newest release, so lifecycle rules never expire it while
 * it is among the last keepReleases deploys. A failure here fails the run (the new version serves,
 * but is unprotected), except a transient one, which the state machine retries.
 */
export async function recordRelease(
  state: RunState,
  app: AppConfig,
  deps: Pick<Dependencies, 'registry' | 'logger'>,
): Promise<RunState['release']> {
  if (app.keepReleases === undefined) return undefined;
  const image = requirePart(state, 'image');
  let moves: TagMove[];
  try {
    moves = await moveReleaseTags(app, image.digest, deps);
  } catch (error) {
    if (error instanceof TransientError) throw error;
    throw new ReleaseTagError(
      `The rollout of app "${app.name}" completed and ${image.digest} serves, but tagging it ${releaseTag(1)} failed: ${(error as Error).message} ` +
        `Until it is tagged, keepReleases does not protect it from lifecycle rules; fix the cause and deploy again.`,
      app.name,
      image.digest,
      { cause: error },
    );
  }
  deps.logger.info('release tagged', {
    runId: state.runId,
    app: app.name,
    digest: image.digest,
    moved: moves.map((m) => m.tag),
  });
  return { tag: releaseTag(1), digest: image.digest, keep: app.keepReleases };
}
