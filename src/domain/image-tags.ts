import { buildKeyTag } from './build-key.ts';
import type { Trigger } from './run-state.ts';

/**
 * `imageTags('01J…', { kind: 'webhook', commit: 'a1b2c3d4e5…' }, '3f…')` → `['01J…', 'git-a1b2c3d', 'key-3f…']`.
 * Every image is tagged with its run id (immutable, time-ordered), with the short commit when one is
 * known, and with its build key when Prepare computed one (the tag moves to the newest build of the key).
 * No moving `latest`: deploys pin digests.
 */
export function imageTags(runId: string, trigger: Trigger, buildKey?: string): string[] {
  const tags = [runId];
  if (trigger.commit && /^[0-9a-f]{7,40}$/.test(trigger.commit)) tags.push(`git-${trigger.commit.slice(0, 7)}`);
  if (buildKey) tags.push(buildKeyTag(buildKey));
  return tags;
}
