import * as v from 'valibot';
import { InvalidConfigError } from '../errors.ts';
import { describeIssue, RuleSchema, ShorthandRuleSchema } from './schema.ts';
import { DEFAULT_LIFECYCLE_RULES, shorthandOrder, translateShorthand } from './shorthand.ts';
import type { EcrLifecyclePolicy, LifecycleRuleShorthand } from './types.ts';
import { validateRules } from './validate.ts';

export interface LifecycleConfigOptions {
  /** Where the input sits in slipway.config.json, for messages: e.g. "apps.web.lifecycle". */
  path?: string;
}

/**
 * `lifecyclePolicyFromConfig([{ selection: 'untagged', maximumAgeLimit: 7 }])` → the ECR policy awsx
 * would put. Takes what a user wrote under `apps.<name>.lifecycle`: a list of awsx-style rules,
 * `{ rules: [...] }` of them, or a raw ECR policy (kept as written). Nothing written (undefined) gives
 * awsx's default policy. Anything ECR would refuse throws InvalidConfigError listing every problem.
 */
export function lifecyclePolicyFromConfig(input: unknown, options: LifecycleConfigOptions = {}): EcrLifecyclePolicy {
  const path = options.path ?? 'lifecycle';
  if (input === undefined) return translateShorthand(DEFAULT_LIFECYCLE_RULES);

  let rules: unknown[];
  let listPath: string;
  const issues: string[] = [];
  if (Array.isArray(input)) {
    rules = input;
    listPath = path;
  } else if (isRecord(input) && Array.isArray(input.rules)) {
    rules = input.rules;
    listPath = `${path}.rules`;
    for (const key of Object.keys(input).filter((k) => k !== 'rules'))
      issues.push(`${path}.${key}: unknown key; a lifecycle policy has only "rules"`);
  } else {
    throw invalid(path, [
      `${path}: must be a list of rules like [{ "selection": "untagged", "maximumAgeLimit": 7 }], or an ECR policy like { "rules": [ ... ] }`,
    ]);
  }

  const raw = rules.map(looksRaw);
  const rawPolicy = raw[0] ?? false;
  const kind = (isRaw: boolean) => (isRaw ? 'a raw ECR rule' : 'an awsx-style rule');
  const mixed = raw.flatMap((isRaw, i) =>
    isRaw === rawPolicy
      ? []
      : [
          `${listPath}[${i}]: is written as ${kind(isRaw)} but ${listPath}[0] is ${kind(rawPolicy)}; write every rule the same way`,
        ],
  );
  if (mixed.length > 0) throw invalid(path, [...issues, ...mixed]);

  if (rawPolicy) {
    issues.push(
      ...validateRules(
        rules,
        (i, p) => (p === undefined ? `${listPath}[${i}]` : `${listPath}[${i}] (rulePriority ${p})`),
        listPath,
      ),
    );
    if (issues.length > 0) throw invalid(path, issues);
    return { rules: rules.map((rule) => v.parse(RuleSchema, rule)) };
  }
  return fromShorthand(rules, listPath, path, issues);
}

function fromShorthand(
  rules: readonly unknown[],
  listPath: string,
  path: string,
  earlier: readonly string[],
): EcrLifecyclePolicy {
  const issues = [...earlier];
  const valid: { rule: LifecycleRuleShorthand; index: number }[] = [];
  let anyRule: number | undefined;
  rules.forEach((input, index) => {
    const at = `${listPath}[${index}]`;
    const result = v.safeParse(ShorthandRuleSchema, input);
    if (!result.success) {
      issues.push(...result.issues.map((issue) => `${at}: ${describeIssue(issue, 'shorthand')}`));
      return;
    }
    const rule = result.output;
    const limits = [rule.maximumAgeLimit, rule.maximumNumberOfImages].filter((n) => n !== undefined).length;
    if (limits !== 1) {
      issues.push(
        `${at}: ${limits === 0 ? 'set' : 'set only'} one of maximumAgeLimit (expire images pushed more than that many days ago) ` +
          'or maximumNumberOfImages (keep that many newest images)',
      );
      return;
    }
    if (rule.selection === 'any') {
      if (anyRule !== undefined) {
        issues.push(
          `${at}: selection: at most one "any" rule is allowed and ${listPath}[${anyRule}] is one; merge them`,
        );
        return;
      }
      anyRule = index;
    }
    valid.push({ rule, index });
  });

  // Checks that need ECR's view (wildcards, one untagged rule, 50 rules...) run on the translation,
  // labelled with the index the user wrote.
  const translated = translateShorthand(valid.map((r) => r.rule));
  const origin = shorthandOrder(valid.map((r) => r.rule)).map((i) => valid[i]?.index ?? i);
  const checked = validateRules(translated.rules, (i) => `${listPath}[${origin[i] ?? i}]`, listPath, rules.length);
  issues.push(...checked);
  if (issues.length > 0) throw invalid(path, issues);
  return translated;
}

/** A rule that names ECR's own fields is raw ECR JSON; anything else is read as awsx shorthand. */
function looksRaw(rule: unknown): boolean {
  if (!isRecord(rule)) return false;
  if ('rulePriority' in rule || 'action' in rule) return true;
  return isRecord(rule.selection) && ('tagStatus' in rule.selection || 'countType' in rule.selection);
}

function invalid(path: string, issues: string[]): InvalidConfigError {
  return new InvalidConfigError(
    `The lifecycle policy at ${path} is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    issues,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
