import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateLifecyclePolicy,
  matchesPattern,
  validateLifecyclePolicy,
  type EcrLifecyclePolicy,
  type EcrLifecycleRule,
  type EcrLifecycleSelection,
  type LifecycleImage,
  type LifecyclePreview,
} from '../../../../src/domain/lifecycle/index.ts';
import { daysAgo, NOW } from './factories.ts';

// Small alphabets so rules and images overlap often: that is where the priority rules bite.
const TAGS = ['a', 'ab', 'b', 'ba', 'prod-1', 'prod-2', 'dev', 'v1-rc1'];
const PREFIXES = ['a', 'b', 'prod', 'v', 'd'];
const PATTERNS = ['a*', '*b', '*', 'prod-*', '*-rc*', '*a*'];

const imagesArb = fc
  .array(
    fc.record({
      tags: fc.subarray(TAGS),
      pushed: fc.integer({ min: 0, max: 60 * 24 }),
      pulled: fc.option(fc.integer({ min: 0, max: 60 * 24 }), { nil: undefined }),
      archivedFor: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    }),
    { maxLength: 14 },
  )
  .map((list) =>
    list.map((x, i): LifecycleImage => ({
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      tags: x.tags,
      // Hours, so push times tie sometimes and ages straddle day boundaries.
      pushedAt: daysAgo(x.pushed / 24),
      ...(x.pulled !== undefined && { lastPulledAt: daysAgo(Math.min(x.pulled, x.pushed) / 24) }),
      ...(x.archivedFor !== undefined && { storageClass: 'archive' as const, transitionedAt: daysAgo(x.archivedFor) }),
    })),
  );

const tagFilterArb = fc.oneof(
  fc
    .subarray(PREFIXES, { minLength: 1, maxLength: 2 })
    .map((tagPrefixList) => ({ tagStatus: 'tagged' as const, tagPrefixList })),
  fc
    .subarray(PATTERNS, { minLength: 1, maxLength: 2 })
    .map((tagPatternList) => ({ tagStatus: 'tagged' as const, tagPatternList })),
);

type Draft = { selection: EcrLifecycleSelection; action: EcrLifecycleRule['action'] };
const standardCountArb = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 5 }), transition: fc.boolean() }).map(({ n, transition }) => ({
    count: { countType: 'imageCountMoreThan' as const, countNumber: n },
    action: transition
      ? ({ type: 'transition', targetStorageClass: 'archive' } as const)
      : ({ type: 'expire' } as const),
  })),
  fc.record({ n: fc.integer({ min: 1, max: 40 }), transition: fc.boolean() }).map(({ n, transition }) => ({
    count: { countType: 'sinceImagePushed' as const, countUnit: 'days' as const, countNumber: n },
    action: transition
      ? ({ type: 'transition', targetStorageClass: 'archive' } as const)
      : ({ type: 'expire' } as const),
  })),
  fc.integer({ min: 1, max: 40 }).map((n) => ({
    count: { countType: 'sinceImagePulled' as const, countUnit: 'days' as const, countNumber: n },
    action: { type: 'transition', targetStorageClass: 'archive' } as const,
  })),
);
const standardRuleArb = (
  tags: fc.Arbitrary<Pick<EcrLifecycleSelection, 'tagStatus' | 'tagPrefixList' | 'tagPatternList'>>,
) =>
  fc
    .record({ tags, c: standardCountArb })
    .map(({ tags, c }): Draft => ({ selection: { ...tags, ...c.count }, action: c.action }));
const archiveRuleArb = (
  tags: fc.Arbitrary<Pick<EcrLifecycleSelection, 'tagStatus' | 'tagPrefixList' | 'tagPatternList'>>,
) =>
  fc.record({ tags, n: fc.integer({ min: 90, max: 150 }) }).map(({ tags, n }): Draft => ({
    selection: {
      ...tags,
      storageClass: 'archive',
      countType: 'sinceImageTransitioned',
      countUnit: 'days',
      countNumber: n,
    },
    action: { type: 'expire' },
  }));

/** Valid policies: tagged rules first, at most one untagged and one "any" per storage class, "any" last in its class. */
const policyArb = fc
  .record({
    tagged: fc.array(standardRuleArb(tagFilterArb), { maxLength: 4 }),
    untagged: fc.option(standardRuleArb(fc.constant({ tagStatus: 'untagged' as const })), { nil: undefined }),
    any: fc.option(standardRuleArb(fc.constant({ tagStatus: 'any' as const })), { nil: undefined }),
    archiveTagged: fc.option(archiveRuleArb(tagFilterArb), { nil: undefined }),
    archiveAny: fc.option(archiveRuleArb(fc.constant({ tagStatus: 'any' as const })), { nil: undefined }),
    step: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ tagged, untagged, any, archiveTagged, archiveAny, step }): EcrLifecyclePolicy => {
    const drafts = [...tagged, untagged, archiveTagged, any, archiveAny].filter((d): d is Draft => d !== undefined);
    return { rules: drafts.map((d, i) => ({ rulePriority: (i + 1) * step, ...d })) };
  })
  // Drops the few draws ECR would refuse (two tagged rules with the same list).
  .filter((policy) => validateLifecyclePolicy(policy).length === 0);

function actedOn(preview: LifecyclePreview): Map<string, string> {
  return new Map([
    ...preview.expired.map((e) => [e.digest, `expire@${e.rulePriority}`] as const),
    ...preview.transitioned.map((e) => [e.digest, `transition@${e.rulePriority}`] as const),
  ]);
}

/** An oracle written apart from the code under test: a RegExp for patterns, startsWith for prefixes. */
function oracleSelects(selection: EcrLifecycleSelection, image: LifecycleImage): boolean {
  if ((selection.storageClass ?? 'standard') !== (image.storageClass ?? 'standard')) return false;
  if (selection.tagStatus === 'any') return true;
  if (selection.tagStatus === 'untagged') return image.tags.length === 0;
  const toRegExp = (p: string) =>
    new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
  if (image.tags.length === 0) return false;
  if (selection.tagPatternList)
    return selection.tagPatternList.every((p) => image.tags.some((t) => toRegExp(p).test(t)));
  return (selection.tagPrefixList ?? []).every((p) => image.tags.some((t) => t.startsWith(p)));
}

describe('evaluateLifecyclePolicy properties', () => {
  it('acts on no image twice and accounts for every image exactly once', () => {
    fc.assert(
      fc.property(policyArb, imagesArb, (policy, images) => {
        const preview = evaluateLifecyclePolicy(policy, images, NOW);
        const listed = [...preview.expired, ...preview.transitioned, ...preview.kept].map((i) => i.digest);

        expect(listed.sort()).toEqual(images.map((i) => i.digest).sort());
      }),
    );
  });

  it('never acts on more images when a rule keeps more (higher count or more days)', () => {
    fc.assert(
      fc.property(policyArb, imagesArb, fc.nat(), fc.integer({ min: 1, max: 20 }), (policy, images, pick, raise) => {
        fc.pre(policy.rules.length > 0);
        const index = pick % policy.rules.length;
        const raised: EcrLifecyclePolicy = {
          rules: policy.rules.map((r, i) =>
            i === index ? { ...r, selection: { ...r.selection, countNumber: r.selection.countNumber + raise } } : r,
          ),
        };

        const before = actedOn(evaluateLifecyclePolicy(policy, images, NOW));
        const after = actedOn(evaluateLifecyclePolicy(raised, images, NOW));

        for (const [digest, action] of after) expect(before.get(digest)).toBe(action);
      }),
    );
  });

  it('never lets an "any" rule act on an image a higher-priority rule selected', () => {
    fc.assert(
      fc.property(policyArb, imagesArb, (policy, images) => {
        const preview = evaluateLifecyclePolicy(policy, images, NOW);
        const byDigest = new Map(images.map((i) => [i.digest, i]));

        for (const acted of [...preview.expired, ...preview.transitioned]) {
          const rule = policy.rules.find((r) => r.rulePriority === acted.rulePriority);
          if (rule?.selection.tagStatus !== 'any') continue;
          const image = byDigest.get(acted.digest) as LifecycleImage;
          const higher = policy.rules.filter(
            (r) => r.rulePriority < acted.rulePriority && oracleSelects(r.selection, image),
          );
          expect(higher).toEqual([]);
        }
      }),
    );
  });

  it('acts only through a rule whose selection (tags and storage class) takes the image', () => {
    fc.assert(
      fc.property(policyArb, imagesArb, (policy, images) => {
        const preview = evaluateLifecyclePolicy(policy, images, NOW);
        const byDigest = new Map(images.map((i) => [i.digest, i]));

        for (const acted of [...preview.expired, ...preview.transitioned]) {
          const rule = policy.rules.find((r) => r.rulePriority === acted.rulePriority) as EcrLifecycleRule;
          expect(oracleSelects(rule.selection, byDigest.get(acted.digest) as LifecycleImage)).toBe(true);
        }
      }),
    );
  });

  it('gives the same outcome whatever order the images come in', () => {
    fc.assert(
      fc.property(
        policyArb,
        imagesArb.chain((images) =>
          fc.tuple(fc.constant(images), fc.shuffledSubarray(images, { minLength: images.length })),
        ),
        (policy, [images, shuffled]) => {
          expect(actedOn(evaluateLifecyclePolicy(policy, shuffled, NOW))).toEqual(
            actedOn(evaluateLifecyclePolicy(policy, images, NOW)),
          );
        },
      ),
    );
  });
});

describe('matchesPattern properties', () => {
  it('agrees with a RegExp reading of "*"', () => {
    const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((c) => c.join(''));
    fc.assert(
      fc.property(text(['a', 'b', '*', '.']), text(['a', 'b', '.']), (pattern, tag) => {
        const regexp = new RegExp(
          `^${pattern
            .split('*')
            .map((s) => s.replace(/\./g, '\\.'))
            .join('.*')}$`,
        );

        expect(matchesPattern(pattern, tag)).toBe(regexp.test(tag));
      }),
    );
  });
});
