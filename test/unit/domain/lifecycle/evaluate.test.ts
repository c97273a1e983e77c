import { describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidInputError } from '../../../../src/domain/errors.ts';
import {
  evaluateLifecyclePolicy,
  type EcrLifecycleRule,
  type LifecycleImage,
} from '../../../../src/domain/lifecycle/index.ts';
import { daysAgo, digestOf, image, keepNewest, NOW, olderThan, rule } from './factories.ts';
import { catchError } from '../../../support/catch-error.ts';

const TRANSITION = { type: 'transition', targetStorageClass: 'archive' } as const;
const archivedFor = (days: number) => ({ storageClass: 'archive', transitionedAt: daysAgo(days) }) as const;

/** Runs the rules and answers in labels: `{ expired: { old: 1 }, transitioned: {} }`. */
function outcome(rules: EcrLifecycleRule[], images: LifecycleImage[]) {
  const labels = new Map(images.map((i) => [i.digest, labelOf(i)]));
  const preview = evaluateLifecyclePolicy({ rules }, images, NOW);
  const byLabel = (list: { digest: string; rulePriority: number }[]) =>
    Object.fromEntries(list.map((e) => [labels.get(e.digest), e.rulePriority]));
  return { expired: byLabel(preview.expired), transitioned: byLabel(preview.transitioned) };
}

function labelOf(i: LifecycleImage): string {
  const hex = i.digest.slice('sha256:'.length).replace(/(00)+$/, '');
  return String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}

describe('evaluateLifecyclePolicy', () => {
  it.each<
    [
      string,
      EcrLifecycleRule[],
      LifecycleImage[],
      { expired?: Record<string, number>; transitioned?: Record<string, number> },
    ]
  >([
    [
      "the article's rule expires untagged images older than a week, never tagged ones",
      [rule(1, olderThan(7, { tagStatus: 'untagged' }))],
      [image('u-8d', [], 8), image('u-6d', [], 6), image('latest-30d', ['latest'], 30)],
      { expired: { 'u-8d': 1 } },
    ],
    [
      'an image exactly N days old is not older than N days',
      [rule(1, olderThan(7, { tagStatus: 'untagged' }))],
      [image('u-7d', [], 7), image('u-7d+1ms', [], 7 + 1 / 86_400_000)],
      { expired: { 'u-7d+1ms': 1 } },
    ],
    [
      'a count rule breaks push-time ties by digest, whatever the input order',
      [rule(1, keepNewest(1))],
      [image('b', ['x'], 1), image('a', ['y'], 1)],
      { expired: { b: 1 } },
    ],
    [
      'rules apply by rulePriority, not by their order in the list',
      [
        rule(2, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['*'] })),
        rule(1, olderThan(1, { tagStatus: 'tagged', tagPrefixList: ['v'] })),
      ],
      [image('v1', ['v1'], 3), image('v2', ['v2'], 2), image('x', ['x'], 0)],
      { expired: { v1: 1, v2: 1 } },
    ],
    [
      'a tagged rule needs every pattern matched, each by some tag',
      [rule(1, olderThan(1, { tagStatus: 'tagged', tagPatternList: ['prod*', '*-rc*'] }))],
      [image('both', ['prod', 'v1-rc2'], 5), image('one-tag-both', ['prod-rc1'], 5), image('prod-only', ['prod-1'], 5)],
      { expired: { both: 1, 'one-tag-both': 1 } },
    ],
    [
      'a tagged rule never selects an untagged image, even with the "*" pattern',
      [rule(1, olderThan(1, { tagStatus: 'tagged', tagPatternList: ['*'] }))],
      [image('untagged', [], 5), image('tagged', ['a'], 5)],
      { expired: { tagged: 1 } },
    ],
    [
      'a transition rule moves old standard images to archive and leaves archived ones alone',
      [rule(1, olderThan(30), TRANSITION)],
      [image('old', ['a'], 40), image('new', ['b'], 10), image('archived', ['c'], 400, archivedFor(100))],
      { transitioned: { old: 1 } },
    ],
    [
      'sinceImagePulled measures from the last pull, else the push',
      [rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, TRANSITION)],
      [
        image('pulled-recently', ['a'], 90, { lastPulledAt: daysAgo(5) }),
        image('pulled-long-ago', ['b'], 90, { lastPulledAt: daysAgo(45) }),
        image('never-pulled-old', ['c'], 60),
        image('never-pulled-new', ['d'], 10),
      ],
      { transitioned: { 'pulled-long-ago': 1, 'never-pulled-old': 1 } },
    ],
    [
      'sinceImagePulled measures a restored image not pulled since from its restore',
      [rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, TRANSITION)],
      [
        image('restored-long-ago', ['a'], 200, { lastPulledAt: daysAgo(150), lastActivatedAt: daysAgo(60) }),
        image('restored-recently', ['b'], 200, { lastPulledAt: daysAgo(150), lastActivatedAt: daysAgo(10) }),
        image('pulled-after-restore', ['c'], 200, { lastPulledAt: daysAgo(5), lastActivatedAt: daysAgo(60) }),
      ],
      { transitioned: { 'restored-long-ago': 1 } },
    ],
    [
      'sinceImageTransitioned expires only archived images, by their time in archive',
      [
        rule(1, {
          tagStatus: 'any',
          storageClass: 'archive',
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: 90,
        }),
      ],
      [
        image('archived-100d', ['a'], 300, archivedFor(100)),
        image('archived-80d', ['b'], 300, archivedFor(80)),
        image('standard-old', ['c'], 300),
        image('archived-unknown-time', ['d'], 300, { storageClass: 'archive' }),
      ],
      { expired: { 'archived-100d': 1 } },
    ],
    [
      "AWS's combined example archives after 30 days and deletes after 365 days in archive",
      [
        rule(1, olderThan(30), TRANSITION),
        rule(2, {
          tagStatus: 'any',
          storageClass: 'archive',
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: 365,
        }),
      ],
      [
        image('standard-40d', ['a'], 40),
        image('standard-5d', ['b'], 5),
        image('archived-400d', ['c'], 500, archivedFor(400)),
        image('archived-100d', ['d'], 200, archivedFor(100)),
      ],
      { transitioned: { 'standard-40d': 1 }, expired: { 'archived-400d': 2 } },
    ],
    [
      'a standard rule does not shield archived images from an archive rule with the same tags',
      [
        rule(1, keepNewest(9999, { tagStatus: 'tagged', tagPrefixList: ['v'] })),
        rule(2, {
          tagStatus: 'tagged',
          tagPrefixList: ['v'],
          storageClass: 'archive',
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: 90,
        }),
      ],
      [image('v1-archived', ['v1'], 300, archivedFor(120)), image('v2', ['v2'], 300)],
      { expired: { 'v1-archived': 2 } },
    ],
    [
      'a count rule counts only images of its storage class',
      [rule(1, keepNewest(1))],
      [
        image('archived-newest', ['a'], 1, archivedFor(1)),
        image('standard-new', ['b'], 2),
        image('standard-old', ['c'], 3),
      ],
      { expired: { 'standard-old': 1 } },
    ],
    [
      'a count rule orders a restored image by its restore time',
      [rule(1, keepNewest(1))],
      [image('restored', ['a'], 100, { lastActivatedAt: daysAgo(1) }), image('pushed-2d', ['b'], 2)],
      { expired: { 'pushed-2d': 1 } },
    ],
    [
      'an image selected by a higher transition rule is not expired by a lower rule',
      [
        rule(1, olderThan(60, { tagStatus: 'tagged', tagPatternList: ['release-*'] }), TRANSITION),
        rule(2, olderThan(30)),
      ],
      [image('release-45d', ['release-1'], 45), image('release-90d', ['release-0'], 90), image('dev-45d', ['dev'], 45)],
      { transitioned: { 'release-90d': 1 }, expired: { 'dev-45d': 2 } },
    ],
  ])('%s', (_name, rules, images, expected) => {
    expect(outcome(rules, images)).toEqual({
      expired: expected.expired ?? {},
      transitioned: expected.transitioned ?? {},
    });
  });

  it('lists every image once, each list in input order, with copies of its tags', () => {
    const images = [image('c', [], 9), image('a', ['keep'], 9), image('b', [], 8)];

    const preview = evaluateLifecyclePolicy({ rules: [rule(1, olderThan(7, { tagStatus: 'untagged' }))] }, images, NOW);

    expect(preview).toEqual({
      expired: [
        { digest: digestOf('c'), tags: [], rulePriority: 1 },
        { digest: digestOf('b'), tags: [], rulePriority: 1 },
      ],
      transitioned: [],
      kept: [{ digest: digestOf('a'), tags: ['keep'] }],
    });
    expect(preview.kept[0]?.tags).not.toBe(images[1]?.tags);
  });

  it('refuses a policy ECR would refuse, listing the issues', () => {
    const policy = { rules: [rule(1, keepNewest(1)), rule(1, keepNewest(2, { tagStatus: 'untagged' }))] };

    const error = catchError(() => evaluateLifecyclePolicy(policy, [], NOW));

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).issues.join('\n')).toMatch(/unique rulePriority/);
  });

  it.each<[string, LifecycleImage[], RegExp]>([
    [
      'an unparseable pushedAt',
      [{ digest: digestOf('x'), tags: [], pushedAt: 'last tuesday' }],
      /sha256:.*pushedAt "last tuesday".*ISO 8601/,
    ],
    ['an unparseable transitionedAt', [image('x', [], 1, { transitionedAt: '' })], /transitionedAt "".*ISO 8601/],
    ['the same digest twice', [image('x', ['a'], 1), image('x', ['b'], 2)], /listed twice/],
  ])('refuses images with %s', (_name, images, message) => {
    const error = catchError(() => evaluateLifecyclePolicy({ rules: [rule(1, keepNewest(1))] }, images, NOW));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).name).toBe('InvalidInputError');
  });

  it('refuses an invalid "now"', () => {
    expect(() => evaluateLifecyclePolicy({ rules: [rule(1, keepNewest(1))] }, [], new Date('nope'))).toThrow(
      InvalidInputError,
    );
  });
});
