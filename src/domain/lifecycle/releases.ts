import { InvalidConfigError } from '../errors.ts';
import type { EcrLifecyclePolicy, EcrLifecycleRule } from './types.ts';
import { validateLifecyclePolicy } from './validate.ts';

/**
 * keepReleases: the digests of the last N successful deploys carry the tags `slipway-release-1`
 * (newest) … `slipway-release-N`, and a rule placed first selects them. That rule keeps "more than
 * N" and exactly N images carry the tags, so it never expires anything; and ECR never lets a lower
 * rule act on an image a higher rule selected. The prefix is Slipway's: do not use it for other tags.
 */
export const RELEASE_TAG_PREFIX = 'slipway-release-';

/** The most releases an app may keep: each deploy moves every release tag once. */
export const MAX_KEEP_RELEASES = 100;

/** `releaseTag(1)` → `slipway-release-1`, the newest release. */
export function releaseTag(position: number): string {
  return `${RELEASE_TAG_PREFIX}${position}`;
}

/** `releasePosition('slipway-release-2')` → 2; undefined for any other tag. */
export function releasePosition(tag: string): number | undefined {
  const match = /^slipway-release-([1-9]\d{0,5})$/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

/** `releaseProtectionRule(3)` → the rule that keeps the three release-tagged images, priority 1. */
export function releaseProtectionRule(keepReleases: number): EcrLifecycleRule {
  return {
    rulePriority: 1,
    description: `slipway keepReleases: keep the images of the last ${keepReleases} deploy(s)`,
    selection: {
      tagStatus: 'tagged',
      tagPrefixList: [RELEASE_TAG_PREFIX],
      countType: 'imageCountMoreThan',
      countNumber: keepReleases,
    },
    action: { type: 'expire' },
  };
}

/**
 * `withReleaseProtection(policy, 3)` → the policy ECR gets: the release rule first (priority 1), then
 * the app's rules in their order, each rulePriority one higher than written. `keepReleases` undefined
 * gives the policy unchanged. Throws InvalidConfigError, naming keepReleases, when the result would
 * be refused (the 51st rule, or a rule of the app's own on the release prefix).
 */
export function withReleaseProtection(
  policy: EcrLifecyclePolicy,
  keepReleases: number | undefined,
  path = 'keepReleases',
): EcrLifecyclePolicy {
  if (keepReleases === undefined) return policy;
  if (!Number.isInteger(keepReleases) || keepReleases < 1 || keepReleases > MAX_KEEP_RELEASES)
    throw new InvalidConfigError(
      `${path} must be a whole number from 1 to ${MAX_KEEP_RELEASES} (got ${keepReleases}).`,
      [`${path}: must be a whole number from 1 to ${MAX_KEEP_RELEASES}`],
    );
  const protectedPolicy = {
    rules: [
      releaseProtectionRule(keepReleases),
      ...policy.rules.map((rule) => ({ ...rule, rulePriority: rule.rulePriority + 1 })),
    ],
  };
  const issues = validateLifecyclePolicy(protectedPolicy);
  if (issues.length > 0)
    throw new InvalidConfigError(
      `The lifecycle policy with ${path} (${keepReleases}) added as rule 1 would be refused by ECR:\n${issues.map((i) => `  - ${i}`).join('\n')}\n` +
        `Rule 1 is Slipway's release rule (tagPrefixList ["${RELEASE_TAG_PREFIX}"]): drop a rule of your own, or remove ${path}.`,
      issues,
    );
  return protectedPolicy;
}

/** One tag to point at a digest. */
export interface TagMove {
  tag: string;
  digest: string;
}

/**
 * `planReleaseTags(images, 2, 'sha256:new')` → the tag moves that make `slipway-release-1` name the
 * new release and shift the others down one: [{ tag: 'slipway-release-2', digest: <old release 1> },
 * { tag: 'slipway-release-1', digest: 'sha256:new' }]. Without `deployed` it only repairs the tags.
 * Afterwards at most `keep` distinct images carry release tags: a tag numbered past them (left by a
 * larger keepReleases) moves onto the newest release, as tags cannot be deleted everywhere.
 * Moves come highest number first: an older release gets its new tag before it gives up its old one,
 * so planning again after an interrupted run still finds every earlier release; after a completed
 * run it plans nothing.
 */
export function planReleaseTags(
  images: readonly { digest: string; tags: readonly string[] }[],
  keep: number,
  deployed?: string,
): TagMove[] {
  const holders = new Map<number, string>();
  for (const image of images) {
    for (const tag of image.tags) {
      const position = releasePosition(tag);
      if (position !== undefined) holders.set(position, image.digest);
    }
  }
  const current = [...holders].sort(([a], [b]) => a - b);
  const releases: string[] = [];
  for (const digest of [...(deployed ? [deployed] : []), ...current.filter(([p]) => p <= keep).map(([, d]) => d)]) {
    if (!releases.includes(digest) && releases.length < keep) releases.push(digest);
  }
  const wanted = new Map<number, string>(releases.map((digest, i) => [i + 1, digest]));
  const newest = releases[0];
  if (newest) for (const [position] of current) if (position > releases.length) wanted.set(position, newest);
  return [...wanted]
    .filter(([position, digest]) => holders.get(position) !== digest)
    .sort(([a], [b]) => b - a)
    .map(([position, digest]) => ({ tag: releaseTag(position), digest }));
}
