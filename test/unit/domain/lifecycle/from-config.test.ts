import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../../src/domain/errors.ts';
import {
  DEFAULT_LIFECYCLE_RULES,
  lifecyclePolicyFromConfig,
  type EcrLifecyclePolicy,
} from '../../../../src/domain/lifecycle/index.ts';
import { catchError } from '../../../support/catch-error.ts';

const EXPIRE = { type: 'expire' } as const;

describe('lifecyclePolicyFromConfig', () => {
  it("translates the article's rule exactly as awsx does", () => {
    expect(lifecyclePolicyFromConfig([{ selection: 'untagged', maximumAgeLimit: 7 }])).toStrictEqual({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7, countUnit: 'days' },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('produces the same policy text awsx sends to ECR, key for key', () => {
    // awsx's convertRules output after JSON.stringify: undefined description/tagPrefixList/countUnit drop out.
    const awsxText =
      '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":7,"countUnit":"days"},"action":{"type":"expire"}},' +
      '{"rulePriority":2,"description":"keep 10 releases","selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}';

    const policy = lifecyclePolicyFromConfig([
      { selection: 'untagged', maximumAgeLimit: 7 },
      { description: 'keep 10 releases', selection: { tagPrefixList: ['v'] }, maximumNumberOfImages: 10 },
    ]);

    expect(JSON.stringify(policy)).toBe(awsxText);
  });

  it.each<[string, unknown, EcrLifecyclePolicy['rules']]>([
    [
      'moves the single "any" rule last and numbers rules 1..n',
      [
        { selection: 'any', maximumNumberOfImages: 20 },
        { selection: 'untagged', maximumAgeLimit: 1 },
        { selection: { tagPrefixList: ['prod'] }, maximumNumberOfImages: 5 },
      ],
      [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1, countUnit: 'days' },
          action: EXPIRE,
        },
        {
          rulePriority: 2,
          selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 5 },
          action: EXPIRE,
        },
        {
          rulePriority: 3,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 },
          action: EXPIRE,
        },
      ],
    ],
    [
      'turns a tagPatternList selection into a tagged rule with that list',
      [{ selection: { tagPatternList: ['prod-*', '*-rc*'] }, maximumAgeLimit: 30 }],
      [
        {
          rulePriority: 1,
          selection: {
            tagStatus: 'tagged',
            tagPatternList: ['prod-*', '*-rc*'],
            countType: 'sinceImagePushed',
            countNumber: 30,
            countUnit: 'days',
          },
          action: EXPIRE,
        },
      ],
    ],
    [
      'keeps a description',
      [{ description: 'tidy', selection: 'any', maximumAgeLimit: 90 }],
      [
        {
          rulePriority: 1,
          description: 'tidy',
          selection: { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 90, countUnit: 'days' },
          action: EXPIRE,
        },
      ],
    ],
    [
      'reads shorthand rules wrapped in { rules }',
      { rules: [{ selection: 'untagged', maximumNumberOfImages: 3 }] },
      [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 3 },
          action: EXPIRE,
        },
      ],
    ],
  ])('%s', (_name, input, rules) => {
    expect(lifecyclePolicyFromConfig(input)).toStrictEqual({ rules });
  });

  it("gives awsx's default policy when nothing is configured", () => {
    expect(lifecyclePolicyFromConfig(undefined)).toStrictEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'remove untagged images',
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: EXPIRE,
        },
      ],
    });
    expect(DEFAULT_LIFECYCLE_RULES).toEqual([
      { description: 'remove untagged images', selection: 'untagged', maximumNumberOfImages: 1 },
    ]);
  });

  it.each<[string, unknown]>([
    [
      'a raw ECR policy using archive, transition, sinceImagePulled and tagPatternList',
      {
        rules: [
          {
            rulePriority: 1,
            description: 'archive idle',
            selection: {
              tagStatus: 'tagged',
              tagPatternList: ['sha-*'],
              countType: 'sinceImagePulled',
              countUnit: 'days',
              countNumber: 90,
            },
            action: { type: 'transition', targetStorageClass: 'archive' },
          },
          {
            rulePriority: 2,
            selection: {
              tagStatus: 'untagged',
              countType: 'imageCountMoreThan',
              countNumber: 1,
              storageClass: 'standard',
            },
            action: EXPIRE,
          },
          {
            rulePriority: 3,
            selection: {
              tagStatus: 'any',
              storageClass: 'archive',
              countType: 'sinceImageTransitioned',
              countUnit: 'days',
              countNumber: 365,
            },
            action: EXPIRE,
          },
        ],
      },
    ],
    [
      'raw ECR rules given as a bare list',
      [
        {
          rulePriority: 7,
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: EXPIRE,
        },
      ],
    ],
  ])('accepts %s as written', (_name, input) => {
    const policy = lifecyclePolicyFromConfig(input);

    expect(policy).toEqual(Array.isArray(input) ? { rules: input } : input);
  });

  it.each<[string, unknown, RegExp]>([
    ['null', null, /^lifecycle: must be a list of rules like \[\{ "selection": "untagged", "maximumAgeLimit": 7 \}\]/],
    ['a string', 'untagged', /^lifecycle: must be a list of rules/],
    ['an object without rules', { selection: 'untagged' }, /^lifecycle: must be a list of rules/],
    ['an empty list', [], /^lifecycle: is empty; add at least one rule/],
    [
      'a key beside rules',
      { rules: [{ selection: 'any', maximumAgeLimit: 1 }], version: 2 },
      /^lifecycle\.version: unknown key/,
    ],
    [
      'neither limit',
      [{ selection: 'untagged' }],
      /^lifecycle\[0\]: set one of maximumAgeLimit .* or maximumNumberOfImages/,
    ],
    [
      'both limits',
      [{ selection: 'untagged', maximumAgeLimit: 7, maximumNumberOfImages: 1 }],
      /^lifecycle\[0\]: set only one of maximumAgeLimit/,
    ],
    [
      'a misspelt selection',
      [{ selection: 'untaged', maximumAgeLimit: 7 }],
      /^lifecycle\[0\]: selection: must be "untagged", "any", \{ "tagPrefixList": \[\.\.\.\] \} or \{ "tagPatternList": \[\.\.\.\] \}/,
    ],
    [
      'a misspelt key',
      [{ selection: 'untagged', maxAgeLimit: 7 }],
      /^lifecycle\[0\]: maxAgeLimit: unknown key; remove it or check its spelling \(allowed: selection, maximumAgeLimit/,
    ],
    [
      'a zero age',
      [{ selection: 'untagged', maximumAgeLimit: 0 }],
      /^lifecycle\[0\]: maximumAgeLimit: must be a positive whole number/,
    ],
    [
      'two "any" rules (awsx refuses too)',
      [
        { selection: 'any', maximumAgeLimit: 7 },
        { selection: 'any', maximumNumberOfImages: 9 },
      ],
      /^lifecycle\[1\]: selection: at most one "any" rule is allowed and lifecycle\[0\] is one/,
    ],
    [
      'an empty tagPrefixList (awsx refuses too)',
      [{ selection: { tagPrefixList: [] }, maximumNumberOfImages: 1 }],
      /^lifecycle\[0\]: selection\.tagPrefixList: is empty/,
    ],
    [
      'a pattern with five wildcards',
      [{ selection: { tagPatternList: ['*a*b*c*d*'] }, maximumNumberOfImages: 1 }],
      /^lifecycle\[0\]: selection\.tagPatternList\[0\]: .* 5 "\*" wildcards/,
    ],
    [
      'two untagged rules',
      [
        { selection: 'untagged', maximumAgeLimit: 7 },
        { selection: 'untagged', maximumNumberOfImages: 1 },
      ],
      /^lifecycle\[1\]: selection\.tagStatus: only one rule may select untagged standard images and lifecycle\[0\]/,
    ],
    [
      '51 rules',
      Array.from({ length: 51 }, (_, i) => ({ selection: { tagPrefixList: [`p${i}`] }, maximumNumberOfImages: 1 })),
      /^lifecycle: has 51 rules; ECR allows at most 50/,
    ],
    [
      'raw and shorthand rules mixed',
      [
        { selection: 'untagged', maximumAgeLimit: 7 },
        {
          rulePriority: 2,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          action: EXPIRE,
        },
      ],
      /^lifecycle\[1\]: is written as a raw ECR rule but lifecycle\[0\] is an awsx-style rule; write every rule the same way/,
    ],
    [
      'an invalid raw rule',
      {
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 },
            action: EXPIRE,
          },
        ],
      },
      /^lifecycle\.rules\[0\] \(rulePriority 1\): selection\.countUnit: required/,
    ],
  ])('refuses %s, saying what to change', (_name, input, issue) => {
    const error = catchError(() => lifecyclePolicyFromConfig(input));

    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).issues).toContainEqual(expect.stringMatching(issue));
  });

  it('lists every problem in one error, named InvalidConfigError', () => {
    const error = catchError(() =>
      lifecyclePolicyFromConfig([
        { selection: 'untagged' },
        { selection: 'all', maximumAgeLimit: 7 },
        { selection: 'any', maximumNumberOfImages: -1 },
      ]),
    ) as InvalidConfigError;

    expect(error.name).toBe('InvalidConfigError');
    expect(error.issues).toHaveLength(3);
    expect(error.message).toBe(
      `The lifecycle policy at lifecycle is invalid:\n${error.issues.map((i) => `  - ${i}`).join('\n')}`,
    );
  });

  it('reports a stray key beside rules together with the problems in the rules', () => {
    const error = catchError(() =>
      lifecyclePolicyFromConfig({ rules: [{ selection: 'untagged' }], version: 2 }),
    ) as InvalidConfigError;

    expect(error.issues).toEqual([
      'lifecycle.version: unknown key; a lifecycle policy has only "rules"',
      'lifecycle.rules[0]: set one of maximumAgeLimit (expire images pushed more than that many days ago) or maximumNumberOfImages (keep that many newest images)',
    ]);
  });

  it('names rules by the path given', () => {
    const error = catchError(() =>
      lifecyclePolicyFromConfig([{ selection: 'untagged' }], { path: 'apps.web.lifecycle' }),
    ) as InvalidConfigError;

    expect(error.issues[0]).toMatch(/^apps\.web\.lifecycle\[0\]: /);
    expect(error.message).toMatch(/^The lifecycle policy at apps\.web\.lifecycle is invalid:/);
  });
});
