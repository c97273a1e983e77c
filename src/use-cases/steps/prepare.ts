import { BUILDSPEC_VERSION } from '../../../buildspec/version.ts';
import { buildKeyTag, buildSettings } from '../../domain/build-key.ts';
import { appConfig, type AppConfig } from '../../domain/config.ts';
import { ContextNotFoundError } from '../../domain/errors.ts';
import { imageReference } from '../../domain/images.ts';
import { appLifecyclePolicy } from '../../domain/lifecycle/index.ts';
import type { RunState } from '../../domain/run-state.ts';
import type { StreamedObject } from '../../ports/object-store.ts';
import { buildKeyOfArchive, ContextUnreadableError } from '../build-key.ts';
import type { Dependencies } from '../dependencies.ts';

/**
 * Check the app and its uploaded context, validate its lifecycle rules, make sure the repository
 * exists, and compute the context's build key from the uploaded bytes. When the repository already
 * holds an image for the key, the run deploys it instead of building (unless it is a rebuild).
 */
export async function prepare(
  state: RunState,
  deps: Pick<Dependencies, 'config' | 'objects' | 'registry' | 'logger'>,
): Promise<RunState> {
  const app = appConfig(deps.config, state.app);
  // Invalid lifecycle rules fail the run here, before minutes are spent building.
  appLifecyclePolicy(app);
  // A rollback deploys an image that exists already; its context may have expired from the bucket.
  const context = state.image ? undefined : await deps.objects.stream(state.context.key);
  if (!state.image && !context) throw new ContextNotFoundError(state.app, state.context.key);
  // One read of the context, hashed while the repository is made sure of.
  const [repository, buildKey] = await Promise.all([
    deps.registry.ensureRepository(app.repository),
    context && contextBuildKey(state, app, context, deps),
  ]);
  deps.logger.info('run prepared', {
    runId: state.runId,
    app: state.app,
    bytes: context?.size,
    rollback: Boolean(state.image),
    repository: repository.uri,
  });
  const prepared: RunState = { ...state, repository: { name: app.repository, uri: repository.uri } };
  if (!buildKey) return prepared;
  const keyed = { ...prepared, buildKey };
  // A rebuild's point is a fresh image (patched base layers): it builds whatever the repository holds.
  if (state.rebuild) return keyed;
  const tag = buildKeyTag(buildKey);
  const found = await deps.registry.findImage(app.repository, tag);
  if (!found) return keyed;
  deps.logger.info('image found for the build key: no build', {
    runId: state.runId,
    app: state.app,
    buildKey,
    ...found,
  });
  return {
    ...keyed,
    image: {
      repository: repository.uri,
      digest: found.digest,
      tags: [tag],
      reference: imageReference(repository.uri, found.digest),
    },
    reused: { tag, digest: found.digest },
    skipped: {
      build: `the repository holds ${found.digest} for this build key (${tag.slice(0, 16)}…)`,
      lifecycle: 'no new image',
    },
  };
}

/**
 * The build key of the uploaded context, read from the bytes in the bucket (what the build will get),
 * never taken from the client; undefined when they are not a readable tar.gz — the run then builds,
 * and the build says what is wrong with the context.
 */
async function contextBuildKey(
  state: RunState,
  app: AppConfig,
  context: StreamedObject,
  deps: Pick<Dependencies, 'logger'>,
): Promise<string | undefined> {
  const claimed = context.metadata['build-key'];
  let buildKey: string;
  try {
    buildKey = await buildKeyOfArchive(context.body, {
      contextPath: app.contextPath,
      settings: buildSettings(app, BUILDSPEC_VERSION),
    });
  } catch (error) {
    if (!(error instanceof ContextUnreadableError)) throw error;
    deps.logger.warn('no build key: the context is not a readable tar.gz', {
      runId: state.runId,
      app: state.app,
      error: error.message,
    });
    return undefined;
  }
  if (claimed !== undefined && claimed !== buildKey)
    deps.logger.warn('the client computed another build key; the one computed here counts', {
      runId: state.runId,
      app: state.app,
      buildKey,
      claimed,
    });
  return buildKey;
}
