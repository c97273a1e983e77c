import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../../src/domain/errors.ts';
import {
  appLifecyclePolicy,
  evaluateLifecyclePolicy,
  lifecyclePolicyFromConfig,
  planReleaseTags,
  releasePosition,
  releaseProtectionRule,
  withReleaseProtection,
  type EcrLifecyclePolicy,
  type TagMove,
} from '../../../../src/domain/lifecycle/index.ts';
import { catchError } from '../../../support/catch-error.ts';
import { digestOf, image, keepNewest, NOW, olderThan, rule } from './factories.ts';

const A = digestOf('A');
const B = digestOf('B');
const C = digestOf('C');
const D = digestOf('D');
const held = (digest: string, ...tags: string[]) => ({ digest, tags });

describe('withReleaseProtection', () => {
  it('puts the release rule first and shifts every rule of the app down one', () => {
    const policy: EcrLifecyclePolicy = {
      rules: [rule(1, olderThan(7, { tagStatus: 'untagged' })), rule(5, keepNewest(3))],
    };

    expect(withReleaseProtection(policy, 2)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'slipway keepReleases: keep the images of the last 2 deploy(s)',
          selection: {
            tagStatus: 'tagged',
            tagPrefixList: ['slipway-release-'],
            countType: 'imageCountMoreThan',
            countNumber: 2,
          },
          action: { type: 'expire' },
        },
        rule(2, olderThan(7, { tagStatus: 'untagged' })),
        rule(6, keepNewest(3)),
      ],
    });
  });

  it('gives the policy unchanged without keepReleases', () => {
    const policy: EcrLifecyclePolicy = { rules: [rule(1, keepNewest(3))] };

    expect(withReleaseProtection(policy, undefined)).toBe(policy);
  });

  it.each<[string, EcrLifecyclePolicy, number, RegExp]>([
    [
      'a 51st rule',
      {
        rules: Array.from({ length: 50 }, (_, i) =>
          rule(i + 1, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: [`p${i}`] })),
        ),
      },
      1,
      /has 51 rules; ECR allows at most 50/,
    ],
    [
      'a rule of its own on the release prefix',
      { rules: [rule(1, keepNewest(9, { tagStatus: 'tagged', tagPrefixList: ['slipway-release-'] }))] },
      3,
      /already selects the same standard tags/,
    ],
    ['keepReleases 0', { rules: [rule(1, keepNewest(3))] }, 0, /must be a whole number from 1 to 100/],
  ])('refuses %s, naming keepReleases', (_name, policy, keep, message) => {
    const error = catchError(() => withReleaseProtection(policy, keep, 'apps.web.keepReleases')) as InvalidConfigError;

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('apps.web.keepReleases');
  });
});

describe('appLifecyclePolicy', () => {
  it('is the translated rules behind the release rule', () => {
    const lifecycle = [{ selection: { tagPatternList: ['*'] }, maximumNumberOfImages: 1 }];

    expect(appLifecyclePolicy({ name: 'tidy', lifecycle, keepReleases: 1 })).toEqual(
      withReleaseProtection(lifecyclePolicyFromConfig(lifecycle), 1),
    );
  });

  it('is undefined for an app without lifecycle rules, keepReleases or not', () => {
    expect(appLifecyclePolicy({ name: 'web', keepReleases: 3 })).toBeUndefined();
  });

  it("names the app's lifecycle key when its rules are invalid", () => {
    expect(() => appLifecyclePolicy({ name: 'web', lifecycle: [{ selection: 'untagged' }] })).toThrow(
      /apps\.web\.lifecycle\[0\]: set one of maximumAgeLimit/,
    );
  });
});

describe('releasePosition', () => {
  it.each<[string, number | undefined]>([
    ['slipway-release-1', 1],
    ['slipway-release-12', 12],
    ['slipway-release-0', undefined],
    ['slipway-release-01', undefined],
    ['slipway-release-', undefined],
    ['slipway-release-1x', undefined],
    ['release-1', undefined],
  ])('%s → %s', (tag, position) => {
    expect(releasePosition(tag)).toBe(position);
  });
});

describe('planReleaseTags', () => {
  it.each<[string, { digest: string; tags: string[] }[], number, string | undefined, TagMove[]]>([
    ['tags the first release', [held(A, 'run-a')], 2, A, [{ tag: 'slipway-release-1', digest: A }]],
    [
      'shifts the earlier releases down, oldest first',
      [held(A, 'slipway-release-2'), held(B, 'slipway-release-1'), held(C)],
      2,
      C,
      [
        { tag: 'slipway-release-2', digest: B },
        { tag: 'slipway-release-1', digest: C },
      ],
    ],
    [
      'moves nothing when the deployed image is already the newest release',
      [held(A, 'slipway-release-2'), held(B, 'slipway-release-1')],
      2,
      B,
      [],
    ],
    [
      'brings a rolled-back release to the front without listing it twice',
      [held(A, 'slipway-release-2'), held(B, 'slipway-release-1')],
      2,
      A,
      [
        { tag: 'slipway-release-2', digest: B },
        { tag: 'slipway-release-1', digest: A },
      ],
    ],
    [
      'finishes a rotation interrupted half way',
      [held(A, 'slipway-release-1', 'slipway-release-2'), held(C)],
      2,
      C,
      [{ tag: 'slipway-release-1', digest: C }],
    ],
    [
      'moves tags past a smaller keepReleases onto the newest release',
      [held(A, 'slipway-release-3'), held(B, 'slipway-release-2'), held(C, 'slipway-release-1')],
      1,
      undefined,
      [
        { tag: 'slipway-release-3', digest: C },
        { tag: 'slipway-release-2', digest: C },
      ],
    ],
    [
      'closes a gap in the numbering',
      [held(A, 'slipway-release-3'), held(B, 'slipway-release-1')],
      3,
      undefined,
      [
        { tag: 'slipway-release-3', digest: B },
        { tag: 'slipway-release-2', digest: A },
      ],
    ],
    ['plans nothing for a repository without releases', [held(A, 'run-a')], 3, undefined, []],
  ])('%s', (_name, images, keep, deployed, moves) => {
    expect(planReleaseTags(images, keep, deployed)).toEqual(moves);
  });
});

/** A registry's tags after the moves: a tag names one image, so moving it takes it off the other. */
function applyMoves(
  images: { digest: string; tags: string[] }[],
  moves: readonly TagMove[],
): { digest: string; tags: string[] }[] {
  const next = images.map((i) => ({ ...i, tags: [...i.tags] }));
  for (const move of moves) {
    for (const i of next) i.tags = i.tags.filter((t) => t !== move.tag);
    next.find((i) => i.digest === move.digest)?.tags.push(move.tag);
  }
  return next;
}

const releasedDigests = (images: { digest: string; tags: string[] }[]) =>
  images.filter((i) => i.tags.some((t) => releasePosition(t) !== undefined)).map((i) => i.digest);

describe('keepReleases over many deploys', () => {
  const deploysArb = fc.array(fc.constantFrom(A, B, C, D), { minLength: 1, maxLength: 12 });
  const keepArb = fc.integer({ min: 1, max: 4 });

  it('leaves the last keepReleases distinct deploys, and only them, carrying release tags', () => {
    fc.assert(
      fc.property(deploysArb, keepArb, (deploys, keep) => {
        let images = [A, B, C, D].map((digest) => held(digest));
        for (const digest of deploys) images = applyMoves(images, planReleaseTags(images, keep, digest));

        const expected = [...new Set([...deploys].reverse())].slice(0, keep);
        expect(releasedDigests(images).sort()).toEqual([...expected].sort());
        expect(images.find((i) => i.tags.includes('slipway-release-1'))?.digest).toBe(deploys.at(-1));
      }),
    );
  });

  it('keeps at most the new keepReleases images tagged after it is lowered, and plans nothing more', () => {
    fc.assert(
      fc.property(deploysArb, keepArb, keepArb, (deploys, before, after) => {
        let images = [A, B, C, D].map((digest) => held(digest));
        for (const digest of deploys) images = applyMoves(images, planReleaseTags(images, before, digest));
        images = applyMoves(images, planReleaseTags(images, after));

        expect(releasedDigests(images).length).toBeLessThanOrEqual(after);
        expect(planReleaseTags(images, after)).toEqual([]);
      }),
    );
  });

  it('never expires a release-tagged image, whatever the rules after the release rule', () => {
    const policy = withReleaseProtection(
      { rules: [rule(1, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['*'] })), rule(2, keepNewest(1))] },
      2,
    );
    const images = [
      image('A', ['run-a', 'slipway-release-2'], 30),
      image('B', ['run-b', 'slipway-release-1'], 20),
      image('C', ['run-c'], 10),
      image('D', ['run-d'], 1),
    ];

    const preview = evaluateLifecyclePolicy(policy, images, NOW);

    expect(preview.expired.map((e) => e.digest).sort()).toEqual([digestOf('C')]);
    expect(preview.kept.map((k) => k.digest).sort()).toEqual([digestOf('A'), digestOf('B'), digestOf('D')].sort());
  });
});

describe('releaseProtectionRule', () => {
  it('selects the release prefix with a count equal to keepReleases', () => {
    expect(releaseProtectionRule(5).selection).toEqual({
      tagStatus: 'tagged',
      tagPrefixList: ['slipway-release-'],
      countType: 'imageCountMoreThan',
      countNumber: 5,
    });
  });
});
