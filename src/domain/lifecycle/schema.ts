import * as v from 'valibot';

/**
 * The structural half of validation: field types, enums and closed objects, as ECR's JSON schema
 * has them (an unknown key is rejected by ECR too). Rules that span fields or rules live in validate.ts.
 */
const PositiveIntegerSchema = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be a positive whole number (0 is not accepted)'),
);

const TagListSchema = v.array(v.string('every entry must be a string'), 'must be a list of strings');

const SelectionSchema = v.strictObject(
  {
    tagStatus: v.picklist(['tagged', 'untagged', 'any'], 'must be "tagged", "untagged" or "any"'),
    tagPrefixList: v.optional(TagListSchema),
    tagPatternList: v.optional(TagListSchema),
    countType: v.picklist(
      ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'],
      'must be "imageCountMoreThan", "sinceImagePushed", "sinceImagePulled" or "sinceImageTransitioned"',
    ),
    countUnit: v.optional(v.picklist(['days'], 'must be "days", the only unit ECR has')),
    countNumber: PositiveIntegerSchema,
    storageClass: v.optional(v.picklist(['standard', 'archive'], 'must be "standard" or "archive"')),
  },
  'must be an object with tagStatus, countType and countNumber',
);

const ActionSchema = v.strictObject(
  {
    type: v.picklist(['expire', 'transition'], 'must be "expire" or "transition"'),
    targetStorageClass: v.optional(v.picklist(['archive'], 'must be "archive", the only target ECR has')),
  },
  'must be an object like { "type": "expire" }',
);

export const RuleSchema = v.strictObject(
  {
    rulePriority: v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(1, 'must be 1 or more (1 is applied first)'),
    ),
    description: v.optional(v.string('must be a string')),
    selection: SelectionSchema,
    action: ActionSchema,
  },
  'must be an object with rulePriority, selection and action',
);

export const ShorthandRuleSchema = v.strictObject(
  {
    selection: v.union(
      [
        v.picklist(['untagged', 'any']),
        v.strictObject({ tagPrefixList: TagListSchema }),
        v.strictObject({ tagPatternList: TagListSchema }),
      ],
      'must be "untagged", "any", { "tagPrefixList": [...] } or { "tagPatternList": [...] }',
    ),
    maximumAgeLimit: v.optional(PositiveIntegerSchema),
    maximumNumberOfImages: v.optional(PositiveIntegerSchema),
    description: v.optional(v.string('must be a string')),
  },
  'must be an object like { "selection": "untagged", "maximumAgeLimit": 7 }',
);

/** Keys each closed object accepts, keyed by the object's field name ('' is the rule itself), for "unknown key" hints. */
const ALLOWED_KEYS: Record<'ecr' | 'shorthand', Record<string, readonly string[]>> = {
  ecr: {
    '': Object.keys(RuleSchema.entries),
    selection: Object.keys(SelectionSchema.entries),
    action: Object.keys(ActionSchema.entries),
  },
  shorthand: { '': Object.keys(ShorthandRuleSchema.entries) },
};

/** `selection.tagPatternList[0]`: the path people write, not valibot's dot path. */
export function fieldPath(path: readonly { key: unknown }[] | undefined): string {
  let out = '';
  for (const item of path ?? []) {
    out += typeof item.key === 'number' ? `[${item.key}]` : `${out ? '.' : ''}${String(item.key)}`;
  }
  return out;
}

/** One structural issue as `field: what to change`. */
export function describeIssue(issue: v.BaseIssue<unknown>, kind: 'ecr' | 'shorthand'): string {
  const path = issue.path ?? [];
  const field = fieldPath(path);
  if (issue.kind === 'schema' && issue.expected === 'never') {
    const parent = path.length > 1 ? String(path[path.length - 2]?.key) : '';
    const allowed = ALLOWED_KEYS[kind][parent];
    return `${field}: unknown key; remove it or check its spelling${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`;
  }
  if (issue.received === 'undefined' && field) return `${field}: required; add it`;
  return field ? `${field}: ${issue.message}` : issue.message;
}
