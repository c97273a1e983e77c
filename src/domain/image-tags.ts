import type { Trigger } from './run-state.ts';

/**
 * `imageTags('01J…', { kind: 'webhook', commit: 'a1b2c3d4e5…' })` → `['01J…', 'git-a1b2c3d']`.
 * Every image is tagged with its run id (immutable, time-ordered), and with the short commit when
 * one is known. No moving `latest`: deploys pin digests, and ECR repositories may be immutable.
 */
export function imageTags(runId: string, trigger: Trigger): string[] {
  const tags = [runId];
  if (trigger.commit && /^[0-9a-f]{7,40}$/.test(trigger.commit)) tags.push(`git-${trigger.commit.slice(0, 7)}`);
  return tags;
}
