import { appConfig, type AppConfig } from '../../domain/config.ts';
import { TransientError } from '../../domain/errors.ts';
import { addedTags } from '../../domain/image-tags.ts';
import { appLifecyclePolicy } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { Dependencies } from '../dependencies.ts';
import { moveReleaseTags } from './release-tags.ts';
import { requirePart } from './require-part.ts';

/**
 * The step after a build: give the image its other names (`addedTags`), then make the repository follow
 * the app's lifecycle rules (behind its keepReleases rule); an app without rules keeps every image.
 * The names come first, so the rules always see the image as it will stay.
 */
export async function applyLifecycle(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'registry' | 'logger'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  state = await nameImage(state, app, deps);
  const policy = appLifecyclePolicy(app);
  if (policy === undefined) return { ...state, lifecycle: { policyChanged: false, expired: [] } };
  // The release rule keeps "more than keepReleases": the tags must be right before the policy counts them.
  const repaired = await moveReleaseTags(app, undefined, deps);
  if (repaired.length > 0)
    deps.logger.info('release tags repaired', {
      runId: state.runId,
      app: state.app,
      moved: repaired.map((m) => m.tag),
    });
  const outcome = await deps.registry.applyLifecyclePolicy(app.repository, policy);
  deps.logger.info('lifecycle applied', {
    runId: state.runId,
    app: state.app,
    policyChanged: outcome.policyChanged,
    expired: outcome.expired.length,
  });
  return { ...state, lifecycle: outcome };
}

/**
 * Tags the image the build pushed under its run id with its commit's and build key's names, in the
 * registry. Tagging it again is harmless, so a retried step repeats it. A refused tag does not stop the
 * run — the image is built and good; without `key-…` the next deploy of the same files builds again
 * instead of reusing it — so it is logged, and the run's image lists the names it got. A transient
 * failure is thrown for the state machine to retry.
 */
async function nameImage(
  state: RunState,
  app: AppConfig,
  deps: Pick<Dependencies, 'registry' | 'logger'>,
): Promise<RunState> {
  const image = requirePart(state, 'image');
  const wanted = addedTags(state.trigger, state.buildKey);
  const refused = new Set<string>();
  await Promise.all(
    wanted.map((tag) =>
      deps.registry.tagImage(app.repository, image.digest, tag).catch((error: unknown) => {
        if (error instanceof TransientError) throw error;
        refused.add(tag);
        deps.logger.warn('image not tagged', {
          runId: state.runId,
          app: state.app,
          digest: image.digest,
          tag,
          error: error instanceof Error ? error.message : String(error),
          consequence: tag.startsWith('key-')
            ? 'the next deploy of the same files builds again instead of reusing this image'
            : 'the image keeps its other names',
        });
      }),
    ),
  );
  if (refused.size === 0) return state;
  return { ...state, image: { ...image, tags: image.tags.filter((tag) => !refused.has(tag)) } };
}
