import * as v from 'valibot';
import { InvalidConfigError, InvalidInputError } from '../domain/errors.ts';
import { lifecyclePolicyFromConfig, type EcrLifecyclePolicy, type LifecycleImage } from '../domain/lifecycle/index.ts';

/** Reads a file the user named; tests pass their own. */
export type ReadText = (path: string) => Promise<string>;

const IsoTimeSchema = v.pipe(
  v.string('must be an ISO 8601 time like "2026-01-15T12:00:00Z"'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time like "2026-01-15T12:00:00Z"'),
);

const IMAGE_FIELDS = ['digest', 'tags', 'pushedAt', 'lastPulledAt', 'storageClass', 'transitionedAt', 'lastActivatedAt'] as const;

/** Other keys (a label, a size) are ignored, so the shared fixtures and hand-written notes read as they are. */
const ImageSchema = v.looseObject({
  digest: v.pipe(v.string('must be a string like "sha256:…"'), v.minLength(1, 'must not be empty')),
  tags: v.optional(v.array(v.string('every tag must be a string'), 'must be a list of tags ([] for an untagged image)'), []),
  pushedAt: IsoTimeSchema,
  lastPulledAt: v.optional(IsoTimeSchema),
  storageClass: v.optional(v.picklist(['standard', 'archive'], 'must be "standard" or "archive"')),
  transitionedAt: v.optional(IsoTimeSchema),
  lastActivatedAt: v.optional(IsoTimeSchema),
});

const ImagesSchema = v.array(ImageSchema, 'must be a JSON list of images like [{ "digest": "sha256:…", "tags": ["v1"], "pushedAt": "2026-01-15T12:00:00Z" }]');

/**
 * `readPolicyFile('policy.json', read)` → the ECR policy the file describes: awsx-style rules
 * (`[{ "selection": "untagged", "maximumAgeLimit": 7 }]`, or `{ "rules": [...] }` of them) or a raw ECR
 * policy. A policy ECR would refuse is InvalidConfigError naming the file and every problem.
 */
export async function readPolicyFile(path: string, read: ReadText): Promise<EcrLifecyclePolicy> {
  const input = await readJson(path, '--policy', 'lifecycle rules like [{ "selection": "untagged", "maximumAgeLimit": 7 }] or an ECR policy { "rules": [...] }', read);
  try {
    return lifecyclePolicyFromConfig(input, { path: 'policy' });
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    throw new InvalidConfigError(
      `The lifecycle policy in ${path} is invalid; ECR would refuse it:\n${error.issues.map((i) => `  - ${i}`).join('\n')}\nFix these rules in ${path} and preview again.`,
      error.issues,
    );
  }
}

/** `readImagesFile('images.json', read)` → the images, or InvalidInputError naming the file and each bad entry. */
export async function readImagesFile(path: string, read: ReadText): Promise<LifecycleImage[]> {
  const input = await readJson(path, '--images', 'a list of images like [{ "digest": "sha256:…", "tags": ["v1"], "pushedAt": "2026-01-15T12:00:00Z" }]', read);
  const issues = misspelledFields(input);
  const result = v.safeParse(ImagesSchema, input);
  if (!result.success) issues.push(...result.issues.map((issue) => `${pathOf(issue)}: ${issue.received === 'undefined' ? 'required; add it' : issue.message}`));
  if (issues.length > 0 || !result.success) {
    throw new InvalidInputError(`The images file ${path} (--images) is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}\nFix these entries and preview again.`, issues);
  }
  return result.output.map((image) => {
    const picked: Record<string, unknown> = {};
    for (const field of IMAGE_FIELDS) if (image[field] !== undefined) picked[field] = image[field];
    return picked as unknown as LifecycleImage;
  });
}

/** `parseNow('2026-01-15T12:00:00Z')` → the instant; InvalidInputError naming --now otherwise. */
export function parseNow(text: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InvalidInputError(`--now must be an ISO 8601 time like 2026-01-15T12:00:00Z (got "${text}").`);
  return new Date(ms);
}

async function readJson(path: string, flag: string, holds: string, read: ReadText): Promise<unknown> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    throw new InvalidInputError(`Cannot read ${path} (${flag}): ${(error as Error).message}. Pass the path of a JSON file holding ${holds}.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path} (${flag}) is not valid JSON: ${(error as Error).message}. It should hold ${holds}.`);
  }
}

/** Extra keys are ignored, so a field written in the wrong case would silently not count: name it. */
function misspelledFields(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const issues: string[] = [];
  input.forEach((image, i) => {
    if (typeof image !== 'object' || image === null) return;
    for (const key of Object.keys(image)) {
      const meant = IMAGE_FIELDS.find((f) => f !== key && f.toLowerCase() === key.toLowerCase());
      if (meant) issues.push(`[${i}].${key}: unknown key; did you mean "${meant}"?`);
    }
  });
  return issues;
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) out += typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`;
  return out || '(the file)';
}
