/**
 * EventBridge event-pattern matching, so the local bus routes events by the very patterns
 * serverless.yml declares. Covers the matchers those patterns use and the common rest:
 * exact values, prefix, suffix, anything-but, exists, numeric, equals-ignore-case, wildcard.
 * A field whose event value is an array matches when any element does.
 */
export type EventPattern = { [field: string]: EventPattern | readonly Matcher[] };
type Matcher = string | number | boolean | null | { [operator: string]: unknown };

/** `matchesPattern({ source: ['aws.s3'] }, { source: 'aws.s3', … })` → true */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = isRecord(event) ? event[field] : undefined;
    if (Array.isArray(rule)) return matchesField(rule as readonly Matcher[], value);
    return isRecord(value) && matchesPattern(rule as EventPattern, value);
  });
}

function matchesField(matchers: readonly Matcher[], value: unknown): boolean {
  const present = value !== undefined;
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((matcher) => {
    if (isRecord(matcher) && 'exists' in matcher) return matcher.exists === present;
    if (!present) return false;
    return values.some((v) => matchesValue(matcher, v));
  });
}

function matchesValue(matcher: Matcher, value: unknown): boolean {
  if (!isRecord(matcher)) return matcher === value;
  const [operator, operand] = Object.entries(matcher)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
    case 'suffix':
      return typeof value === 'string' && typeof operand === 'string' && value.endsWith(operand);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof operand === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && typeof operand === 'string' && wildcard(operand).test(value);
    case 'anything-but':
      return !anyOf(operand, value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && numeric(operand, value);
    default:
      throw new Error(`Event pattern operator "${operator}" is not supported by the local event bus.`);
  }
}

function anyOf(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return operand.some((o) => anyOf(o, value));
  if (isRecord(operand)) return matchesValue(operand as Matcher, value);
  return operand === value;
}

function numeric(conditions: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const [op, bound] = [conditions[i], Number(conditions[i + 1])];
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
