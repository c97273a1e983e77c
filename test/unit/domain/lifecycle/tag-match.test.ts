import { describe, expect, it } from 'vitest';
import {
  matchesPattern,
  matchesTagRequirements,
  type EcrLifecycleSelection,
} from '../../../../src/domain/lifecycle/index.ts';

describe('matchesPattern', () => {
  it.each<[string, string, boolean]>([
    ['prod*', 'prod', true],
    ['prod*', 'prod1', true],
    ['prod*', 'production-team1', true],
    ['prod*', 'preprod', false],
    ['*prod*', 'repo-production', true],
    ['*prod*', 'prod-team', true],
    ['*prod*', 'pro-d', false],
    ['*', 'anything', true],
    ['v1.0', 'v1.0', true],
    ['v1.0', 'v1x0', false],
    ['v1.0', 'v1.0.1', false],
    ['Prod*', 'prod', false],
    ['*-rc*', 'v1.0-rc1', true],
    ['*-rc*', 'v1.0', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abcbc', true],
    ['a*b*c', 'acb', false],
    ['*test*1*2*3', 'my-test-1-2-3', true],
    ['**', '', true],
    ['a**b', 'ab', true],
  ])('%j against %j → %s', (pattern, tag, expected) => {
    expect(matchesPattern(pattern, tag)).toBe(expected);
  });
});

describe('matchesTagRequirements', () => {
  const base = { countType: 'imageCountMoreThan', countNumber: 1 } as const;
  it.each<[string, EcrLifecycleSelection, string[], boolean]>([
    ['"any" selects an untagged image', { ...base, tagStatus: 'any' }, [], true],
    ['"untagged" skips a tagged image', { ...base, tagStatus: 'untagged' }, ['latest'], false],
    ['"untagged" selects an image without tags', { ...base, tagStatus: 'untagged' }, [], true],
    [
      'a prefix matches the start of any tag',
      { ...base, tagStatus: 'tagged', tagPrefixList: ['latest'] },
      ['v1.0', 'latest-old'],
      true,
    ],
    ['a prefix is not a substring test', { ...base, tagStatus: 'tagged', tagPrefixList: ['prod'] }, ['preprod'], false],
    [
      'every prefix must be matched',
      { ...base, tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] },
      ['alpha-1'],
      false,
    ],
    [
      'each prefix may be matched by a different tag',
      { ...base, tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] },
      ['alpha-1', 'beta-1'],
      true,
    ],
    [
      'one tag may match several prefixes',
      { ...base, tagStatus: 'tagged', tagPrefixList: ['rel', 'release'] },
      ['release-1'],
      true,
    ],
    [
      'every pattern must be matched',
      { ...base, tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'] },
      ['alpha-1', 'gamma'],
      false,
    ],
    ['a tagged rule without a list selects nothing', { ...base, tagStatus: 'tagged' }, ['a'], false],
  ])('%s', (_name, selection, tags, expected) => {
    expect(matchesTagRequirements(selection, tags)).toBe(expected);
  });
});
