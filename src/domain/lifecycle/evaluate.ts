import { InvalidConfigError, InvalidInputError } from '../errors.ts';
import { imageStorageClass, matchesTagRequirements, selectionStorageClass } from './tag-match.ts';
import type {
  ActedOnImage,
  EcrLifecyclePolicy,
  EcrLifecycleRule,
  LifecycleImage,
  LifecyclePreview,
  StorageClass,
} from './types.ts';
import { validateLifecyclePolicy } from './validate.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `evaluateLifecyclePolicy(policy, images, now)` → which images ECR would expire, which it would move
 * to archive, and which it keeps (each list in the order `images` came in). ECR's evaluation rules:
 * every rule looks at the whole repository; rules then apply lowest rulePriority first; an image is
 * acted on by at most one rule; an image whose tags and storage class a higher-priority rule selects
 * is never acted on by a lower one, though lower imageCountMoreThan rules still count it.
 * An invalid policy throws InvalidConfigError (ECR would refuse it); a bad image time throws InvalidInputError.
 */
export function evaluateLifecyclePolicy(
  policy: EcrLifecyclePolicy,
  images: readonly LifecycleImage[],
  now: Date,
): LifecyclePreview {
  const issues = validateLifecyclePolicy(policy);
  if (issues.length > 0)
    throw new InvalidConfigError(
      `The lifecycle policy cannot be evaluated because ECR would refuse it:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
      issues,
    );
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs))
    throw new InvalidInputError('evaluateLifecyclePolicy needs a valid "now"; pass new Date() or a fixed instant.');

  const timed = images.map(timesOf);
  assertUniqueDigests(timed);
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  // Digests a higher-priority rule selected (by tags and storage class), whether or not it acted on them.
  const claimed = new Set<string>();
  const acted = new Map<string, { type: 'expire' | 'transition'; rulePriority: number }>();
  for (const rule of rules) {
    const storageClass = selectionStorageClass(rule.selection);
    const selected = timed.filter(
      (i) => i.storageClass === storageClass && matchesTagRequirements(rule.selection, i.image.tags),
    );
    for (const candidate of candidatesOf(rule, selected, nowMs)) {
      if (!claimed.has(candidate.image.digest))
        acted.set(candidate.image.digest, { type: rule.action.type, rulePriority: rule.rulePriority });
    }
    for (const s of selected) claimed.add(s.image.digest);
  }

  const preview: LifecyclePreview = { expired: [], transitioned: [], kept: [] };
  for (const image of images) {
    const action = acted.get(image.digest);
    if (!action) preview.kept.push({ digest: image.digest, tags: [...image.tags] });
    else {
      const entry: ActedOnImage = { digest: image.digest, tags: [...image.tags], rulePriority: action.rulePriority };
      (action.type === 'expire' ? preview.expired : preview.transitioned).push(entry);
    }
  }
  return preview;
}

interface TimedImage {
  image: LifecycleImage;
  storageClass: StorageClass;
  pushedMs: number;
  /** Push time, or the restore time for an image restored from archive: what count rules order by. */
  orderMs: number;
  /** What sinceImagePulled measures from: last pull, else the restore time, else the push time. */
  lastUseMs: number;
  transitionedMs: number | undefined;
}

/** The images a rule would act on if no higher-priority rule had claimed them. */
function candidatesOf(rule: EcrLifecycleRule, selected: readonly TimedImage[], nowMs: number): TimedImage[] {
  const { countType, countNumber } = rule.selection;
  // "Older than N days" is strict: an image exactly N days old stays.
  const olderThan = (ms: number | undefined) => ms !== undefined && nowMs - ms > countNumber * DAY_MS;
  switch (countType) {
    case 'imageCountMoreThan':
      // Newest first; equal times fall back to the digest so the outcome never depends on input order.
      return [...selected]
        .sort(
          (a, b) =>
            b.orderMs - a.orderMs || (a.image.digest < b.image.digest ? -1 : a.image.digest > b.image.digest ? 1 : 0),
        )
        .slice(countNumber);
    case 'sinceImagePushed':
      return selected.filter((i) => olderThan(i.pushedMs));
    case 'sinceImagePulled':
      return selected.filter((i) => olderThan(i.lastUseMs));
    case 'sinceImageTransitioned':
      // An archived image without a known transition time cannot be shown to be old enough: keep it.
      return selected.filter((i) => olderThan(i.transitionedMs));
  }
}

function timesOf(image: LifecycleImage): TimedImage {
  const pushedMs = timeOf(image, 'pushedAt');
  const pulledMs = image.lastPulledAt === undefined ? undefined : timeOf(image, 'lastPulledAt');
  const activatedMs = image.lastActivatedAt === undefined ? undefined : timeOf(image, 'lastActivatedAt');
  const transitionedMs = image.transitionedAt === undefined ? undefined : timeOf(image, 'transitionedAt');
  // ECR: a restored image never pulled since its restore is measured from the restore, not an older pull.
  const lastUseMs =
    activatedMs !== undefined && (pulledMs === undefined || pulledMs < activatedMs)
      ? activatedMs
      : (pulledMs ?? pushedMs);
  return {
    image,
    storageClass: imageStorageClass(image),
    pushedMs,
    orderMs: activatedMs ?? pushedMs,
    lastUseMs,
    transitionedMs,
  };
}

function timeOf(
  image: LifecycleImage,
  field: 'pushedAt' | 'lastPulledAt' | 'lastActivatedAt' | 'transitionedAt',
): number {
  const value = image[field];
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidInputError(
      `Image ${image.digest} has ${field} ${JSON.stringify(value)}, which is not an ISO 8601 time; pass e.g. "2026-01-15T12:00:00Z".`,
    );
  return ms;
}

function assertUniqueDigests(images: readonly TimedImage[]): void {
  const seen = new Set<string>();
  for (const { image } of images) {
    if (seen.has(image.digest))
      throw new InvalidInputError(`Image ${image.digest} is listed twice; pass each image once with all of its tags.`);
    seen.add(image.digest);
  }
}
