import { createHmac } from 'node:crypto';
import {
  checkScope,
  isoSeconds,
  parseAmzDate,
  refuse,
  sameSignature,
  SIGNATURE_MESSAGE,
  type Refusal,
} from './sigv4-verifier.ts';

/** What S3 checks a browser-based upload (POST with a SigV4-signed policy) against. */
export interface PostPolicyOptions {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  now: () => Date;
}

/** The form fields that precede the file, names lower-cased (S3 matches them case-insensitively). */
export interface PostForm {
  /** The bucket the form was posted to (from the URL). */
  bucket: string;
  fields: ReadonlyMap<string, string>;
}

export interface SizeRange {
  min: number;
  max: number;
}

/** A form whose signature, expiry and conditions hold; the file's size is checked against `size` as it arrives. */
export interface AcceptedPost {
  ok: true;
  key: string;
  /** The policy's content-length-range (several ranges narrow each other); undefined when it sets none. */
  size: SizeRange | undefined;
}

type Condition =
  | { kind: 'eq' | 'starts-with'; field: string; value: string; text: string }
  | { kind: 'content-length-range'; min: number; max: number; text: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Fields a policy need not mention (S3's rule: every other field must match a condition). */
const EXEMPT_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

/**
 * `verifyPostPolicy({ bucket, fields }, options)` → the accepted key and size range, or the refusal S3 gives:
 * the policy's signature is HMAC-SHA256 over the base64 policy with the SigV4 signing key of the
 * credential's date, region and service (compared in constant time), the policy must not have expired,
 * every condition must hold and every field must be covered by one.
 */
export function verifyPostPolicy(form: PostForm, options: PostPolicyOptions): AcceptedPost | Refusal {
  const { fields } = form;
  const policy = fields.get('policy');
  if (policy === undefined)
    return refuse(
      403,
      'AccessDenied',
      'Access Denied: anonymous POST uploads are refused. Send a form with a policy signed with SigV4 (a presigned POST).',
    );
  for (const name of ['key', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) {
    if (!fields.has(name)) {
      return refuse(
        400,
        'InvalidArgument',
        `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
        { ArgumentName: name },
      );
    }
  }
  const algorithm = fields.get('x-amz-algorithm') ?? '';
  if (algorithm !== ALGORITHM)
    return refuse(400, 'InvalidArgument', `The x-amz-algorithm field only supports "${ALGORITHM}".`, {
      ArgumentName: 'x-amz-algorithm',
      ArgumentValue: algorithm,
    });
  const credential = fields.get('x-amz-credential') ?? '';
  const scopeRefusal = checkScope(credential, options, 'InvalidArgument');
  if (scopeRefusal) return scopeRefusal;
  if (!parseAmzDate(fields.get('x-amz-date') ?? ''))
    return refuse(
      400,
      'InvalidArgument',
      `The x-amz-date field must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'".`,
      { ArgumentName: 'x-amz-date' },
    );
  if (fields.has('x-amz-security-token'))
    return refuse(
      403,
      'InvalidToken',
      'The provided token is malformed or otherwise invalid: the local S3 issues no session tokens.',
    );

  const [, date = '', region = ''] = credential.split('/');
  const expected = createHmac('sha256', signingKey(options.credentials.secretAccessKey, date, region))
    .update(policy, 'utf8')
    .digest('hex');
  if (!sameSignature(expected, fields.get('x-amz-signature') ?? ''))
    return refuse(403, 'SignatureDoesNotMatch', SIGNATURE_MESSAGE);

  const document = parsePolicy(policy);
  if ('ok' in document) return document;
  const now = options.now();
  if (now.getTime() > document.expiration.getTime()) {
    return refuse(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.', {
      Expiration: isoSeconds(document.expiration),
      ServerTime: isoSeconds(now),
    });
  }

  const values = new Map(fields);
  const postedBucket = fields.get('bucket');
  if (postedBucket !== undefined && postedBucket !== form.bucket) {
    return refuse(
      403,
      'AccessDenied',
      `Invalid according to Policy: the bucket field "${postedBucket}" is not the bucket posted to ("${form.bucket}").`,
    );
  }
  values.set('bucket', form.bucket);
  for (const condition of document.conditions) {
    if (condition.kind === 'content-length-range') continue;
    if (!holds(condition, values.get(condition.field)))
      return refuse(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${condition.text}`);
  }
  const covered = new Set(
    document.conditions.flatMap((condition) => (condition.kind === 'content-length-range' ? [] : [condition.field])),
  );
  const extra = [...fields.keys()].filter(
    (name) => !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !covered.has(name),
  );
  if (extra.length)
    return refuse(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);

  const ranges = document.conditions.filter((condition) => condition.kind === 'content-length-range');
  const size = ranges.length
    ? { min: Math.max(...ranges.map((r) => r.min)), max: Math.min(...ranges.map((r) => r.max)) }
    : undefined;
  return { ok: true, key: fields.get('key') ?? '', size };
}

/** `checkPostSize(12, { min: 1, max: 10 })` → S3's EntityTooLarge (400); undefined when the size is in range. */
export function checkPostSize(size: number, range: SizeRange | undefined): Refusal | undefined {
  if (!range) return undefined;
  if (size > range.max) {
    return refuse(
      400,
      'EntityTooLarge',
      `Your proposed upload exceeds the maximum allowed size (${range.max} bytes).`,
      { ProposedSize: String(size), MaxSizeAllowed: String(range.max) },
    );
  }
  if (size < range.min) {
    return refuse(
      400,
      'EntityTooSmall',
      `Your proposed upload is smaller than the minimum allowed size (${range.min} bytes).`,
      { ProposedSize: String(size), MinSizeAllowed: String(range.min) },
    );
  }
  return undefined;
}

/** The SigV4 signing key: HMAC chain over the date, region, service and "aws4_request". */
function signingKey(secret: string, date: string, region: string): Buffer {
  let key = Buffer.from(`AWS4${secret}`, 'utf8');
  for (const part of [date, region, 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

function parsePolicy(policy: string): { expiration: Date; conditions: Condition[] } | Refusal {
  const invalid = (why: string) => refuse(400, 'InvalidPolicyDocument', `Invalid Policy: ${why}`);
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8'));
  } catch {
    return invalid('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return invalid('Invalid JSON.');
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) return invalid('Policy missing expiration.');
  const expires = typeof expiration === 'string' ? new Date(expiration) : undefined;
  if (!expires || Number.isNaN(expires.getTime()))
    return invalid(`Invalid 'expiration' value: '${String(expiration)}'.`);
  if (!Array.isArray(conditions)) return invalid('Policy missing conditions.');
  const parsed: Condition[] = [];
  for (const condition of conditions) {
    const one = parseCondition(condition);
    if (!one) return invalid(`Invalid Condition: ${JSON.stringify(condition)}.`);
    parsed.push(one);
  }
  return { expiration: expires, conditions: parsed };
}

function parseCondition(condition: unknown): Condition | undefined {
  if (Array.isArray(condition)) {
    const [operator, first, second] = condition as unknown[];
    if (condition.length !== 3 || typeof operator !== 'string') return undefined;
    const op = operator.toLowerCase();
    const text = `[${condition.map((part) => JSON.stringify(part)).join(', ')}]`;
    if (op === 'content-length-range') {
      const [min, max] = [Number(first), Number(second)];
      return Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= min
        ? { kind: op, min, max, text }
        : undefined;
    }
    if (
      (op === 'eq' || op === 'starts-with') &&
      typeof first === 'string' &&
      first.startsWith('$') &&
      typeof second === 'string'
    ) {
      return { kind: op, field: first.slice(1).toLowerCase(), value: second, text };
    }
    return undefined;
  }
  if (typeof condition === 'object' && condition !== null) {
    const entries = Object.entries(condition);
    const [name, value] = entries[0] ?? [];
    if (entries.length !== 1 || name === undefined || typeof value !== 'string') return undefined;
    return {
      kind: 'eq',
      field: name.toLowerCase(),
      value,
      text: `["eq", ${JSON.stringify(`$${name}`)}, ${JSON.stringify(value)}]`,
    };
  }
  return undefined;
}

function holds(condition: Extract<Condition, { kind: 'eq' | 'starts-with' }>, value: string | undefined): boolean {
  if (condition.kind === 'eq') return value === condition.value;
  const given = value ?? '';
  // S3 lets a Content-Type field list several types; each must start with the prefix.
  if (condition.field === 'content-type')
    return given.split(',').every((type) => type.trim().startsWith(condition.value));
  return given.startsWith(condition.value);
}
