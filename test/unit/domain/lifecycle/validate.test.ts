import { describe, expect, it } from 'vitest';
import { validateLifecyclePolicy, type EcrLifecycleRule } from '../../../../src/domain/lifecycle/index.ts';
import { keepNewest, olderThan, rule } from './factories.ts';

const TRANSITION = { type: 'transition', targetStorageClass: 'archive' } as const;
const expireArchivedAfter = (days: number, rest: object = {}) =>
  ({
    tagStatus: 'any',
    ...rest,
    storageClass: 'archive',
    countType: 'sinceImageTransitioned',
    countUnit: 'days',
    countNumber: days,
  }) as const;
const withSelection = (priority: number, selection: Record<string, unknown>, action: object = { type: 'expire' }) => ({
  rulePriority: priority,
  selection,
  action,
});

describe('validateLifecyclePolicy', () => {
  it.each<[string, EcrLifecycleRule[]]>([
    ["the article's untagged rule", [rule(1, olderThan(7, { tagStatus: 'untagged' }))]],
    [
      'priorities with gaps, listed out of order',
      [rule(20, keepNewest(3)), rule(5, keepNewest(3, { tagStatus: 'tagged', tagPrefixList: ['v'] }))],
    ],
    [
      'the four-wildcard patterns AWS calls valid',
      [rule(1, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['*test*1*2*3', 'test*1*2*3*'] }))],
    ],
    [
      'pattern and prefix lists in different rules',
      [
        rule(1, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['v*'] })),
        rule(2, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: ['v'] })),
      ],
    ],
    [
      'archiving images not pulled in 90 days (AWS example)',
      [rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, TRANSITION)],
    ],
    [
      'archive after 30 days, delete after 365 in archive (AWS example)',
      [rule(1, olderThan(30), TRANSITION), rule(2, expireArchivedAfter(365))],
    ],
    [
      'one untagged rule per storage class',
      [rule(1, olderThan(7, { tagStatus: 'untagged' })), rule(2, expireArchivedAfter(90, { tagStatus: 'untagged' }))],
    ],
    [
      'the same tag list in different storage classes',
      [
        rule(1, olderThan(30, { tagStatus: 'tagged', tagPrefixList: ['v'] }), TRANSITION),
        rule(2, expireArchivedAfter(90, { tagStatus: 'tagged', tagPrefixList: ['v'] })),
      ],
    ],
    [
      'exactly 50 rules',
      Array.from({ length: 50 }, (_, i) =>
        rule(i + 1, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: [`p${i}-`] })),
      ),
    ],
  ])('accepts %s', (_name, rules) => {
    expect(validateLifecyclePolicy({ rules })).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a policy that is not an object', 'rules', /^policy: must be an object/],
    ['a policy without rules', {}, /^rules: required/],
    ['an empty policy', { rules: [] }, /^rules: is empty/],
    ['a key beside rules', { rules: [rule(1, keepNewest(1))], version: 1 }, /^version: unknown key/],
    [
      'a rule that is not an object',
      { rules: ['expire'] },
      /^rules\[0\]: must be an object with rulePriority, selection and action/,
    ],
    [
      'a rule without a priority',
      { rules: [{ selection: keepNewest(1), action: { type: 'expire' } }] },
      /^rules\[0\]: rulePriority: required; add it/,
    ],
    ['rulePriority 0', { rules: [rule(0, keepNewest(1))] }, /rulePriority: must be 1 or more/],
    [
      'an unknown key in a rule',
      { rules: [{ ...rule(1, keepNewest(1)), priority: 1 }] },
      /rules\[0\] \(rulePriority 1\): priority: unknown key.*allowed: rulePriority/,
    ],
    [
      'countNumber 0',
      { rules: [rule(1, keepNewest(0))] },
      /selection\.countNumber: must be a positive whole number \(0 is not accepted\)/,
    ],
    [
      'a fractional countNumber',
      { rules: [rule(1, keepNewest(1.5))] },
      /selection\.countNumber: must be a whole number/,
    ],
    [
      'an unknown tagStatus',
      { rules: [withSelection(1, { tagStatus: 'latest', countType: 'imageCountMoreThan', countNumber: 1 })] },
      /selection\.tagStatus: must be "tagged", "untagged" or "any"/,
    ],
    [
      'an unknown countType',
      { rules: [withSelection(1, { tagStatus: 'any', countType: 'sinceImageBuilt', countNumber: 1 })] },
      /selection\.countType: must be/,
    ],
    [
      'a tagged rule without a tag list',
      { rules: [rule(1, keepNewest(1, { tagStatus: 'tagged' }))] },
      /selection: a "tagged" rule needs tagPatternList or tagPrefixList/,
    ],
    [
      'an untagged rule with a prefix list',
      { rules: [rule(1, keepNewest(1, { tagStatus: 'untagged', tagPrefixList: ['v'] }))] },
      /selection\.tagPrefixList: only "tagged" rules filter on tags/,
    ],
    [
      'an empty tag prefix list',
      { rules: [rule(1, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: [] }))] },
      /selection\.tagPrefixList: is empty/,
    ],
    [
      'an empty pattern',
      { rules: [rule(1, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['v*', ''] }))] },
      /selection\.tagPatternList\[1\]: is an empty string/,
    ],
    [
      'a pattern with six wildcards (AWS example)',
      { rules: [rule(1, keepNewest(1, { tagStatus: 'tagged', tagPatternList: ['test*1*2*3*4*5*6'] }))] },
      /tagPatternList\[0\]: "test\*1\*2\*3\*4\*5\*6" has 6 "\*" wildcards; ECR allows at most 4/,
    ],
    [
      'countUnit with imageCountMoreThan',
      { rules: [rule(1, { ...keepNewest(1), countUnit: 'days' })] },
      /selection\.countUnit: only goes with the since\* count types/,
    ],
    [
      'sinceImagePulled that expires',
      { rules: [rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 })] },
      /action\.type: countType "sinceImagePulled" can only "transition"/,
    ],
    [
      'sinceImageTransitioned that transitions',
      { rules: [rule(1, expireArchivedAfter(90), TRANSITION)] },
      /action\.type: countType "sinceImageTransitioned" can only "expire"/,
    ],
    [
      'deleting archived images before 90 days',
      { rules: [rule(1, expireArchivedAfter(30))] },
      /selection\.countNumber: archived images must stay in archive at least 90 days/,
    ],
    [
      'storageClass archive with sinceImagePushed',
      { rules: [rule(1, olderThan(30, { tagStatus: 'any', storageClass: 'archive' }))] },
      /selection\.storageClass: "archive" only goes with countType "sinceImageTransitioned"/,
    ],
    [
      'sinceImageTransitioned on standard images',
      { rules: [rule(1, { ...expireArchivedAfter(90), storageClass: 'standard' })] },
      /selection\.storageClass: must be "archive" with countType "sinceImageTransitioned"/,
    ],
    [
      'expire with a target storage class',
      { rules: [rule(1, keepNewest(1), { type: 'expire', targetStorageClass: 'archive' })] },
      /action\.targetStorageClass: only goes with action type "transition"/,
    ],
    [
      'an "any" rule before a tagged rule',
      { rules: [rule(1, keepNewest(5)), rule(2, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: ['v'] }))] },
      /rules\[0\] \(rulePriority 1\): selection\.tagStatus: an "any" rule must have the highest rulePriority of the rules selecting standard images/,
    ],
    [
      'two untagged archive rules',
      {
        rules: [
          rule(1, expireArchivedAfter(90, { tagStatus: 'untagged' })),
          rule(2, expireArchivedAfter(120, { tagStatus: 'untagged' })),
        ],
      },
      /rules\[1\] \(rulePriority 2\): selection\.tagStatus: only one rule may select untagged archive images/,
    ],
    [
      'two rules with the same prefixes in one storage class',
      {
        rules: [
          rule(1, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: ['a', 'b'] })),
          rule(2, olderThan(3, { tagStatus: 'tagged', tagPrefixList: ['b', 'a'] })),
        ],
      },
      /rules\[1\] \(rulePriority 2\): selection\.tagPrefixList: rules\[0\] \(rulePriority 1\) already selects the same standard tags/,
    ],
    [
      '51 rules',
      {
        rules: Array.from({ length: 51 }, (_, i) =>
          rule(i + 1, keepNewest(1, { tagStatus: 'tagged', tagPrefixList: [`p${i}-`] })),
        ),
      },
      /^rules: has 51 rules; ECR allows at most 50/,
    ],
  ])('rejects %s', (_name, policy, issue) => {
    const issues = validateLifecyclePolicy(policy);

    expect(issues).toContainEqual(expect.stringMatching(issue));
  });

  it('lists every problem, not just the first', () => {
    const issues = validateLifecyclePolicy({
      rules: [
        withSelection(1, { tagStatus: 'tagged', countType: 'sinceImagePushed', countNumber: 0 }),
        withSelection(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, { type: 'delete' }),
      ],
    });

    expect(issues).toEqual([
      'rules[0] (rulePriority 1): selection.countNumber: must be a positive whole number (0 is not accepted)',
      'rules[1] (rulePriority 1): action.type: must be "expire" or "transition"',
      'rules[0] (rulePriority 1): selection: a "tagged" rule needs tagPatternList or tagPrefixList (e.g. "tagPatternList": ["prod*"]); add one, or use tagStatus "any"',
      'rules[0] (rulePriority 1): selection.countUnit: required with countType "sinceImagePushed"; add "countUnit": "days"',
      'rules[1] (rulePriority 1): rulePriority: 1 is also used by rules[0] (rulePriority 1); give every rule a unique rulePriority',
    ]);
  });
});
