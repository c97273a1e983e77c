import * as v from 'valibot';
import { InvalidConfigError, InvalidInputError } from '../domain/errors.ts';
import { lifecyclePolicyFromConfig, type EcrLifecyclePolicy, type LifecycleImage } from '../domain/lifecycle/index.ts';
import {
  DESCRIBE_IMAGES_KEYS,
  DescribeImagesSchema,
  GetLifecyclePolicySchema,
  ImageDetailSchema,
  lifecycleImage,
} from './ecr-output.ts';

/** Reads a file the user named; tests pass their own. */
export type ReadText = (path: string) => Promise<string>;

/** What an images file gave: the images, and what the user should know about it (say, that it holds one page of a longer list). */
export interface ImagesFile {
  images: LifecycleImage[];
  notes: string[];
}

const IsoTimeSchema = v.pipe(
  v.string('must be an ISO 8601 time like "2026-01-15T12:00:00Z"'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time like "2026-01-15T12:00:00Z"'),
);

/** The simple format, in the evaluator's own field names. `label` is a note for people (the shared fixtures name their images with it). */
const ImageSchema = v.strictObject(
  {
    digest: v.pipe(v.string('must be a string like "sha256:…"'), v.minLength(1, 'must not be empty')),
    tags: v.optional(
      v.array(v.string('every tag must be a string'), 'must be a list of tags ([] for an untagged image)'),
      [],
    ),
    pushedAt: IsoTimeSchema,
    lastPulledAt: v.optional(IsoTimeSchema),
    storageClass: v.optional(v.picklist(['standard', 'archive'], 'must be "standard" or "archive"')),
    transitionedAt: v.optional(IsoTimeSchema),
    lastActivatedAt: v.optional(IsoTimeSchema),
    label: v.optional(v.string('must be a string')),
  },
  'must be an image like { "digest": "sha256:…", "tags": ["v1"], "pushedAt": "2026-01-15T12:00:00Z" }',
);

const IMAGES_HOLD =
  'a list of images like [{ "digest": "sha256:…", "tags": ["v1"], "pushedAt": "2026-01-15T12:00:00Z" }], or the output of aws ecr describe-images';
const ImagesSchema = v.array(
  ImageSchema,
  `must be a JSON list of images like [{ "digest": "sha256:…", "tags": ["v1"], "pushedAt": "2026-01-15T12:00:00Z" }], or the output of aws ecr describe-images ({ "imageDetails": [...] })`,
);
const SIMPLE_KEYS = Object.keys(ImageSchema.entries);
/** describe-images' names for the simple format's fields: a hint when one turns up in a simple list. */
const SIMPLE_NAME_OF: Readonly<Record<string, string>> = {
  imageDigest: 'digest',
  imageTags: 'tags',
  imagePushedAt: 'pushedAt',
  lastRecordedPullTime: 'lastPulledAt',
  imageStatus: 'storageClass',
  lastArchivedAt: 'transitionedAt',
};

/**
 * `readPolicyFile('policy.json', read)` → the ECR policy the file describes: awsx-style rules
 * (`[{ "selection": "untagged", "maximumAgeLimit": 7 }]`, or `{ "rules": [...] }` of them), a raw ECR
 * policy, or the output of `aws ecr get-lifecycle-policy` as it is. A policy ECR would refuse is
 * InvalidConfigError naming the file and every problem.
 */
export async function readPolicyFile(path: string, read: ReadText): Promise<EcrLifecyclePolicy> {
  const input = await readJson(
    path,
    '--policy',
    'lifecycle rules like [{ "selection": "untagged", "maximumAgeLimit": 7 }], an ECR policy { "rules": [...] }, or the output of aws ecr get-lifecycle-policy',
    read,
  );
  const printed = isRecord(input) && 'lifecyclePolicyText' in input;
  const policy = printed ? policyText(input, path) : input;
  try {
    return lifecyclePolicyFromConfig(policy, { path: printed ? 'lifecyclePolicyText' : 'policy' });
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    throw new InvalidConfigError(
      `The lifecycle policy in ${path} is invalid; ECR would refuse it:\n${error.issues.map((i) => `  - ${i}`).join('\n')}\nFix these rules in ${path} and preview again.`,
      error.issues,
    );
  }
}

/**
 * `readImagesFile('images.json', read)` → the images: a simple list (`[{ digest, tags, pushedAt, … }]`), or the
 * output of `aws ecr describe-images` as it is (or its `imageDetails` alone, from `--query imageDetails`).
 * InvalidInputError names the file and each bad entry by its path, unknown keys included.
 */
export async function readImagesFile(path: string, read: ReadText): Promise<ImagesFile> {
  const input = await readJson(path, '--images', IMAGES_HOLD, read);
  const invalid = (issues: string[]) =>
    new InvalidInputError(
      `The images file ${path} (--images) is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}\nFix these entries and preview again.`,
      issues,
    );
  if (isRecord(input) && 'imageDetails' in input) {
    const result = v.safeParse(DescribeImagesSchema, input);
    if (!result.success) throw invalid(result.issues.map((issue) => describeIssue(issue, DESCRIBE_IMAGES_KEYS)));
    const { imageDetails, nextToken, NextToken } = result.output;
    const token = nextToken !== undefined ? 'nextToken' : NextToken !== undefined ? 'NextToken' : undefined;
    const notes = token
      ? [
          `${path} holds one page of describe-images (it has ${token}): the preview covers only its ${imageDetails.length} image(s), and count rules may differ on the whole repository. ` +
            'Run aws ecr describe-images without --max-items or --no-paginate to list them all.',
        ]
      : [];
    return { images: imageDetails.map(lifecycleImage), notes };
  }
  if (Array.isArray(input) && isRecord(input[0]) && 'imageDigest' in input[0]) {
    const result = v.safeParse(v.array(ImageDetailSchema), input);
    if (!result.success)
      throw invalid(
        result.issues.map((issue) =>
          describeIssue(issue, { ...DESCRIBE_IMAGES_KEYS, '': DESCRIBE_IMAGES_KEYS.imageDetails ?? [] }),
        ),
      );
    return { images: result.output.map(lifecycleImage), notes: [] };
  }
  const result = v.safeParse(ImagesSchema, input);
  if (!result.success)
    throw invalid(result.issues.map((issue) => describeIssue(issue, { '': SIMPLE_KEYS }, SIMPLE_NAME_OF)));
  return { images: result.output.map(({ label: _label, ...image }) => image), notes: [] };
}

/** `parseNow('2026-01-15T12:00:00Z')` → the instant; InvalidInputError naming --now otherwise. */
export function parseNow(text: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new InvalidInputError(`--now must be an ISO 8601 time like 2026-01-15T12:00:00Z (got "${text}").`);
  return new Date(ms);
}

/** get-lifecycle-policy prints the policy as a JSON string inside its answer: the policy, parsed. */
function policyText(input: unknown, path: string): unknown {
  const result = v.safeParse(GetLifecyclePolicySchema, input);
  if (!result.success) {
    const issues = result.issues.map((issue) =>
      describeIssue(issue, { '': Object.keys(GetLifecyclePolicySchema.entries) }),
    );
    throw new InvalidInputError(
      `The policy file ${path} (--policy) is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}\nPass the output of aws ecr get-lifecycle-policy as it is, or the policy itself.`,
      issues,
    );
  }
  try {
    return JSON.parse(result.output.lifecyclePolicyText);
  } catch (error) {
    throw new InvalidInputError(
      `lifecyclePolicyText in ${path} (--policy) is not valid JSON: ${(error as Error).message}. It should hold the policy, like "{\\"rules\\": [ ... ]}".`,
    );
  }
}

async function readJson(path: string, flag: string, holds: string, read: ReadText): Promise<unknown> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    throw new InvalidInputError(
      `Cannot read ${path} (${flag}): ${(error as Error).message}. Pass the path of a JSON file holding ${holds}.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `${path} (${flag}) is not valid JSON: ${(error as Error).message}. It should hold ${holds}.`,
    );
  }
}

/**
 * One issue as `imageDetails[2].lastRecordedPulltime: what to change`. `keys` gives the keys each closed object
 * accepts by the field that holds it ('' for the outermost); `renamed` maps another format's name of a field to this one's.
 */
function describeIssue(
  issue: v.BaseIssue<unknown>,
  keys: Readonly<Record<string, readonly string[]>>,
  renamed: Readonly<Record<string, string>> = {},
): string {
  const path = issue.path ?? [];
  const at = pathOf(path);
  if (issue.kind === 'schema' && issue.expected === 'never') {
    const key = String(path[path.length - 1]?.key);
    const holder = path.slice(0, -1).findLast((item) => typeof item.key === 'string');
    const allowed = keys[holder ? String(holder.key) : ''] ?? [];
    const meant = renamed[key] ?? allowed.find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
    return meant
      ? `${at}: unknown key; did you mean "${meant}"?`
      : `${at}: unknown key; remove it or check its spelling (allowed: ${allowed.join(', ')})`;
  }
  if (issue.received === 'undefined' && path.length > 0) return `${at}: required; add it`;
  return `${at}: ${issue.message}`;
}

/** `[0].pushedAt`, `imageDetails[3].imageStatus`: the path people write. */
function pathOf(path: readonly { key: unknown }[]): string {
  let out = '';
  for (const item of path)
    out += typeof item.key === 'number' ? `[${item.key}]` : `${out ? '.' : ''}${String(item.key)}`;
  return out || '(the file)';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
