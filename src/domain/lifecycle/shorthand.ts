import type { EcrLifecyclePolicy, EcrLifecycleRule, EcrLifecycleSelection, LifecycleRuleShorthand } from './types.ts';

/**
 * pulumi-awsx's default when a repository gets no lifecycle arguments
 * (`LifecyclePolicy.defaultLifecyclePolicyArgs()`): keep one untagged image, never expire tagged ones.
 */
export const DEFAULT_LIFECYCLE_RULES: readonly LifecycleRuleShorthand[] = [
  { description: 'remove untagged images', selection: 'untagged', maximumNumberOfImages: 1 },
];

/**
 * The translation pulumi-awsx does (`convertRules` in nodejs/awsx/ecr/lifecyclePolicy.ts): rules keep
 * their order except the single "any" rule, which moves last because ECR needs it to have the highest
 * rulePriority; priorities are 1..n; every rule expires. Keys come out in awsx's order and absent
 * values are left out, so `JSON.stringify` gives the same policy text awsx sends to ECR.
 * Assumes the rules were validated (lifecyclePolicyFromConfig does that).
 */
export function translateShorthand(rules: readonly LifecycleRuleShorthand[]): EcrLifecyclePolicy {
  const ordered = [...rules.filter((r) => r.selection !== 'any'), ...rules.filter((r) => r.selection === 'any')];
  return { rules: ordered.map((rule, i) => translateRule(rule, i + 1)) };
}

/** Where each rule of `rules` lands in translateShorthand's output (the "any" rule moves last). */
export function shorthandOrder(rules: readonly LifecycleRuleShorthand[]): number[] {
  const indexes = rules.map((_, i) => i);
  return [
    ...indexes.filter((i) => rules[i]?.selection !== 'any'),
    ...indexes.filter((i) => rules[i]?.selection === 'any'),
  ];
}

function translateRule(rule: LifecycleRuleShorthand, rulePriority: number): EcrLifecycleRule {
  return {
    rulePriority,
    ...(rule.description !== undefined && { description: rule.description }),
    selection: { ...tagSelection(rule.selection), ...countSelection(rule) },
    action: { type: 'expire' },
  };
}

function tagSelection(
  selection: LifecycleRuleShorthand['selection'],
): Pick<EcrLifecycleSelection, 'tagStatus' | 'tagPrefixList' | 'tagPatternList'> {
  if (selection === 'any' || selection === 'untagged') return { tagStatus: selection };
  if ('tagPrefixList' in selection) return { tagStatus: 'tagged', tagPrefixList: [...selection.tagPrefixList] };
  return { tagStatus: 'tagged', tagPatternList: [...selection.tagPatternList] };
}

function countSelection(
  rule: LifecycleRuleShorthand,
): Pick<EcrLifecycleSelection, 'countType' | 'countNumber' | 'countUnit'> {
  // awsx checks maximumNumberOfImages first; validation makes the two exclusive, so order only matters for keys.
  if (rule.maximumNumberOfImages !== undefined)
    return { countType: 'imageCountMoreThan', countNumber: rule.maximumNumberOfImages };
  return { countType: 'sinceImagePushed', countNumber: rule.maximumAgeLimit ?? 0, countUnit: 'days' };
}
