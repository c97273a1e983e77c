import type {
  EcrLifecycleRule,
  EcrLifecycleSelection,
  LifecycleImage,
} from '../../../../src/domain/lifecycle/index.ts';

/** The fixed "now" of the hand-written cases; ages below are counted back from it. */
export const NOW = new Date('2026-01-15T12:00:00Z');

/** A stable, valid-looking digest for a short label, so tables can speak in labels. */
export function digestOf(label: string): string {
  return `sha256:${[...label]
    .map((c) => c.charCodeAt(0).toString(16).padStart(2, '0'))
    .join('')
    .padEnd(64, '0')}`;
}

/** `daysAgo(7.5)` → the ISO time 7.5 days before NOW. */
export function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
}

/** An image labelled `label`, pushed `pushedDaysAgo` days before NOW. */
export function image(
  label: string,
  tags: string[],
  pushedDaysAgo: number,
  extra: Partial<LifecycleImage> = {},
): LifecycleImage {
  return { digest: digestOf(label), tags, pushedAt: daysAgo(pushedDaysAgo), ...extra };
}

/** A rule that expires; `selection` fills in the rest. */
export function rule(
  rulePriority: number,
  selection: EcrLifecycleSelection,
  action: EcrLifecycleRule['action'] = { type: 'expire' },
): EcrLifecycleRule {
  return { rulePriority, selection, action };
}

/** The selection of an age rule: "older than `days` days since push". */
export function olderThan(
  days: number,
  rest: Partial<EcrLifecycleSelection> = { tagStatus: 'any' },
): EcrLifecycleSelection {
  return { tagStatus: 'any', ...rest, countType: 'sinceImagePushed', countUnit: 'days', countNumber: days };
}

/** The selection of a count rule: "keep the newest `count`". */
export function keepNewest(
  count: number,
  rest: Partial<EcrLifecycleSelection> = { tagStatus: 'any' },
): EcrLifecycleSelection {
  return { tagStatus: 'any', ...rest, countType: 'imageCountMoreThan', countNumber: count };
}
