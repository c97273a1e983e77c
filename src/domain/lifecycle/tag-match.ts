import type { EcrLifecycleSelection, LifecycleImage, StorageClass } from './types.ts';

/**
 * Whether an image meets a rule's tag requirements. ECR: "An image is successfully matched if all
 * of the tags in the tagPatternList or tagPrefixList value are matched against any of the image's
 * tags" — every entry must be satisfied, each by some tag (one tag may satisfy several entries).
 */
export function matchesTagRequirements(selection: EcrLifecycleSelection, tags: readonly string[]): boolean {
  switch (selection.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return tags.length === 0;
    case 'tagged': {
      if (tags.length === 0) return false;
      if (selection.tagPatternList)
        return selection.tagPatternList.every((p) => tags.some((t) => matchesPattern(p, t)));
      if (selection.tagPrefixList) return selection.tagPrefixList.every((p) => tags.some((t) => t.startsWith(p)));
      // A tagged rule without a list is invalid; selecting nothing is the safe reading.
      return false;
    }
  }
}

/** The storage class a rule selects: ECR uses "standard" when the selection omits it. */
export function selectionStorageClass(selection: EcrLifecycleSelection): StorageClass {
  return selection.storageClass ?? 'standard';
}

export function imageStorageClass(image: LifecycleImage): StorageClass {
  return image.storageClass ?? 'standard';
}

/**
 * `matchesPattern('prod*', 'production-team1')` → true. `*` matches any run of characters,
 * including none; everything else is literal and case-sensitive. Linear-time wildcard matching
 * rather than a RegExp, so a tag can never make matching backtrack.
 */
export function matchesPattern(pattern: string, tag: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < tag.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === tag[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
