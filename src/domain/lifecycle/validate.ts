import * as v from 'valibot';
import { describeIssue, RuleSchema } from './schema.ts';
import type { ActionType, CountType, StorageClass, TagStatus } from './types.ts';

/** ECR's quota "Rules per lifecycle policy" (not adjustable). */
export const MAX_RULES = 50;
/** "There is a maximum limit of four wildcards (*) per string." */
export const MAX_WILDCARDS = 4;
/** Archived images have a 90-day minimum storage duration; ECR refuses policies that delete them sooner. */
export const MIN_ARCHIVE_DAYS = 90;

/** How an issue names its rule: `rules[2] (rulePriority 3)` by default. */
export type RuleLabel = (index: number, rulePriority: number | undefined) => string;

const defaultLabel: RuleLabel = (index, priority) =>
  priority === undefined ? `rules[${index}]` : `rules[${index}] (rulePriority ${priority})`;

/**
 * `validateLifecyclePolicy(policy)` → [] when ECR would accept it, otherwise every problem as
 * `rules[1] (rulePriority 2): selection.countUnit: required with countType "sinceImagePushed"; add "countUnit": "days"`.
 */
export function validateLifecyclePolicy(policy: unknown): string[] {
  if (!isRecord(policy)) return ['policy: must be an object like { "rules": [ ... ] }'];
  const issues = Object.keys(policy)
    .filter((key) => key !== 'rules')
    .map((key) => `${key}: unknown key; a lifecycle policy has only "rules"`);
  if (!Array.isArray(policy.rules)) return [...issues, 'rules: required; add a list of rules'];
  return [...issues, ...validateRules(policy.rules, defaultLabel)];
}

/**
 * The rules of a policy, with issues labelled by `label` and `listPath` so callers can name rules the
 * way their user wrote them. `count` is how many rules the user wrote, when only some are passed.
 */
export function validateRules(
  rules: readonly unknown[],
  label: RuleLabel,
  listPath = 'rules',
  count = rules.length,
): string[] {
  const views = rules.map((rule, index) => viewOf(rule, index, label));
  const issues: string[] = [];
  if (count === 0) issues.push(`${listPath}: is empty; add at least one rule`);
  if (count > MAX_RULES)
    issues.push(`${listPath}: has ${count} rules; ECR allows at most ${MAX_RULES} per policy, so merge or remove some`);
  rules.forEach((rule, index) => {
    const result = v.safeParse(RuleSchema, rule);
    if (!result.success) issues.push(...result.issues.map((i) => `${views[index]?.label}: ${describeIssue(i, 'ecr')}`));
  });
  for (const view of views) issues.push(...ruleIssues(view));
  issues.push(...crossRuleIssues(views));
  return issues;
}

/** What can be read from a rule that may be malformed: checks below skip what the schema already rejected. */
interface RuleView {
  index: number;
  label: string;
  priority: number | undefined;
  tagStatus: TagStatus | undefined;
  prefixes: unknown;
  patterns: unknown;
  countType: CountType | undefined;
  hasCountUnit: boolean;
  countNumber: number | undefined;
  /** The class the rule selects ("standard" when omitted); undefined when the value is not a storage class. */
  storageClass: StorageClass | undefined;
  actionType: ActionType | undefined;
  hasTarget: boolean;
}

function viewOf(rule: unknown, index: number, label: RuleLabel): RuleView {
  const r = isRecord(rule) ? rule : {};
  const s = isRecord(r.selection) ? r.selection : {};
  const a = isRecord(r.action) ? r.action : {};
  const priority = typeof r.rulePriority === 'number' && Number.isFinite(r.rulePriority) ? r.rulePriority : undefined;
  const storageClass =
    s.storageClass === undefined ? 'standard' : oneOf(s.storageClass, ['standard', 'archive'] as const);
  return {
    index,
    label: label(index, priority),
    priority,
    tagStatus: oneOf(s.tagStatus, ['tagged', 'untagged', 'any'] as const),
    prefixes: s.tagPrefixList,
    patterns: s.tagPatternList,
    countType: oneOf(s.countType, [
      'imageCountMoreThan',
      'sinceImagePushed',
      'sinceImagePulled',
      'sinceImageTransitioned',
    ] as const),
    hasCountUnit: s.countUnit !== undefined,
    countNumber: typeof s.countNumber === 'number' ? s.countNumber : undefined,
    storageClass,
    actionType: oneOf(a.type, ['expire', 'transition'] as const),
    hasTarget: a.targetStorageClass !== undefined,
  };
}

function ruleIssues(r: RuleView): string[] {
  const issues: string[] = [];
  const say = (field: string, text: string) => issues.push(`${r.label}: ${field}: ${text}`);
  const hasPrefixes = r.prefixes !== undefined;
  const hasPatterns = r.patterns !== undefined;

  if (hasPrefixes && hasPatterns) say('selection', 'use either tagPrefixList or tagPatternList, not both; remove one');
  if (r.tagStatus === 'tagged' && !hasPrefixes && !hasPatterns)
    say(
      'selection',
      'a "tagged" rule needs tagPatternList or tagPrefixList (e.g. "tagPatternList": ["prod*"]); add one, or use tagStatus "any"',
    );
  if (r.tagStatus === 'untagged' || r.tagStatus === 'any') {
    for (const [field, present] of [
      ['tagPrefixList', hasPrefixes],
      ['tagPatternList', hasPatterns],
    ] as const)
      if (present)
        say(`selection.${field}`, `only "tagged" rules filter on tags; remove it, or set tagStatus to "tagged"`);
  }
  for (const [field, list] of [
    ['tagPrefixList', r.prefixes],
    ['tagPatternList', r.patterns],
  ] as const) {
    if (!Array.isArray(list)) continue;
    if (list.length === 0) say(`selection.${field}`, 'is empty; list at least one tag or remove the field');
    list.forEach((entry, i) => {
      if (entry === '') say(`selection.${field}[${i}]`, 'is an empty string; give the tag text to match');
      const stars = typeof entry === 'string' ? [...entry].filter((c) => c === '*').length : 0;
      if (field === 'tagPatternList' && stars > MAX_WILDCARDS)
        say(
          `selection.${field}[${i}]`,
          `"${entry}" has ${stars} "*" wildcards; ECR allows at most ${MAX_WILDCARDS} per pattern`,
        );
    });
  }

  const since = r.countType !== undefined && r.countType !== 'imageCountMoreThan';
  if (since && !r.hasCountUnit)
    say('selection.countUnit', `required with countType "${r.countType}"; add "countUnit": "days"`);
  if (r.countType === 'imageCountMoreThan' && r.hasCountUnit)
    say('selection.countUnit', 'only goes with the since* count types; remove it for "imageCountMoreThan"');

  if (r.countType === 'sinceImageTransitioned') {
    if (r.storageClass !== 'archive')
      say(
        'selection.storageClass',
        'must be "archive" with countType "sinceImageTransitioned"; add "storageClass": "archive"',
      );
    if (r.actionType === 'transition')
      say('action.type', 'countType "sinceImageTransitioned" can only "expire" (images are already archived)');
    if (r.countNumber !== undefined && r.countNumber < MIN_ARCHIVE_DAYS)
      say(
        'selection.countNumber',
        `archived images must stay in archive at least ${MIN_ARCHIVE_DAYS} days; set it to ${MIN_ARCHIVE_DAYS} or more`,
      );
  } else if (r.countType !== undefined && r.storageClass === 'archive') {
    say(
      'selection.storageClass',
      `"archive" only goes with countType "sinceImageTransitioned"; remove it or set it to "standard"`,
    );
  }
  if (r.countType === 'sinceImagePulled' && r.actionType === 'expire')
    say(
      'action.type',
      'countType "sinceImagePulled" can only "transition" to archive; to delete, archive first and expire with "sinceImageTransitioned"',
    );
  if (r.actionType === 'transition' && !r.hasTarget)
    say('action.targetStorageClass', 'required with action type "transition"; add "targetStorageClass": "archive"');
  if (r.actionType === 'expire' && r.hasTarget)
    say('action.targetStorageClass', 'only goes with action type "transition"; remove it');
  return issues;
}

function crossRuleIssues(views: readonly RuleView[]): string[] {
  const issues: string[] = [];
  const say = (r: RuleView, field: string, text: string) => issues.push(`${r.label}: ${field}: ${text}`);
  views.forEach((r, i) => {
    const twin = views.slice(0, i).find((o) => o.priority !== undefined && o.priority === r.priority);
    if (twin)
      say(r, 'rulePriority', `${r.priority} is also used by ${twin.label}; give every rule a unique rulePriority`);
  });

  // ECR checks "any last", "one untagged rule" and unique tag lists within each storage class.
  for (const storageClass of ['standard', 'archive'] as const) {
    const inClass = views.filter((r) => r.storageClass === storageClass);
    const anyRules = inClass.filter((r) => r.tagStatus === 'any');
    const highest = Math.max(...inClass.map((r) => r.priority ?? -Infinity));
    for (const r of anyRules.filter((r) => r.priority !== undefined && r.priority < highest)) {
      say(
        r,
        'selection.tagStatus',
        `an "any" rule must have the highest rulePriority of the rules selecting ${storageClass} images, ` +
          `and ${highest} is higher; give it a rulePriority above ${highest}`,
      );
    }
    for (const r of anyRules.slice(1))
      say(
        r,
        'selection.tagStatus',
        `only one "any" rule may select ${storageClass} images and ${anyRules[0]?.label} already does; merge them`,
      );
    const untagged = inClass.filter((r) => r.tagStatus === 'untagged');
    for (const r of untagged.slice(1))
      say(
        r,
        'selection.tagStatus',
        `only one rule may select untagged ${storageClass} images and ${untagged[0]?.label} already does; merge them`,
      );

    const seen = new Map<string, RuleView>();
    for (const r of inClass.filter((r) => r.tagStatus === 'tagged')) {
      const [field, list] = r.patterns !== undefined ? ['tagPatternList', r.patterns] : ['tagPrefixList', r.prefixes];
      if (!Array.isArray(list) || list.length === 0) continue;
      const key = `${field}:${JSON.stringify([...new Set(list.map(String))].sort())}`;
      const first = seen.get(key);
      if (!first) seen.set(key, r);
      else
        say(
          r,
          `selection.${field}`,
          `${first.label} already selects the same ${storageClass} tags; ECR needs each rule's tag list to be unique, so merge the two rules`,
        );
    }
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf<const T extends string>(value: unknown, options: readonly T[]): T | undefined {
  return options.find((o) => o === value);
}
