import { buildKeyTag } from './build-key.ts';
import type { Trigger } from './run-state.ts';

/**
 * `imageTags('01J…', { kind: 'webhook', commit: 'a1b2c3d4e5…' }, '3f…')` → `['01J…', 'git-a1b2c3d', 'key-3f…']`:
 * every name a built image gets. Its run id (immutable, time-ordered) is the one the build pushes; the
 * others are `addedTags`. No moving `latest`: deploys pin digests.
 */
export function imageTags(runId: string, trigger: Trigger, buildKey?: string): string[] {
  return [runId, ...addedTags(trigger, buildKey)];
}

/**
 * `addedTags({ kind: 'webhook', commit: 'a1b2c3d4e5…' }, '3f…')` → `['git-a1b2c3d', 'key-3f…']`: the names
 * ApplyLifecycle gives the image once the build has pushed it under its run id — the short commit when one
 * is known, the build key when Prepare computed one (that tag moves to the newest build of the key). Each
 * is a tag added in the registry (ECR PutImage; a manifest PUT locally), not another `docker push` from the
 * build: without buildx every tag is a push of its own, 60–75 ms of a local build each.
 */
export function addedTags(trigger: Trigger, buildKey?: string): string[] {
  const tags: string[] = [];
  if (trigger.commit && /^[0-9a-f]{7,40}$/.test(trigger.commit)) tags.push(`git-${trigger.commit.slice(0, 7)}`);
  if (buildKey) tags.push(buildKeyTag(buildKey));
  return tags;
}
