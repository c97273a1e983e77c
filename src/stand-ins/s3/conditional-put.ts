import type { IncomingHttpHeaders } from 'node:http';
import type { Refusal } from './sigv4-verifier.ts';

/**
 * S3 conditional writes, which s3rver does not implement: `PutObject` with `If-None-Match: *` (create
 * only) or `If-Match: <etag>` (replace only that version). The front checks the condition and stores
 * the object under one lock per key, so two conditional writes of a key never both succeed.
 */
export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** `putCondition('PUT', headers, '')` → the condition a plain object PUT carries, or undefined (any other request, or none). */
export function putCondition(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  rawQuery: string,
): PutCondition | undefined {
  if (method !== 'PUT' || !isPlainObjectPut(rawQuery) || headers['x-amz-copy-source'] !== undefined) return undefined;
  const ifNoneMatch = headers['if-none-match'];
  const ifMatch = headers['if-match'];
  if (typeof ifNoneMatch === 'string') return { ifNoneMatch: '*' };
  if (typeof ifMatch === 'string') return { ifMatch };
  return undefined;
}

/** `preconditionFailure({ ifNoneMatch: '*' }, '"abc"')` → S3's 412 refusal; undefined when the write may go ahead. */
export function preconditionFailure(condition: PutCondition, currentEtag: string | undefined): Refusal | undefined {
  const failed: Refusal = {
    ok: false,
    status: 412,
    code: 'PreconditionFailed',
    message: 'At least one of the pre-conditions you specified did not hold',
  };
  if ('ifNoneMatch' in condition) return currentEtag === undefined ? undefined : failed;
  if (currentEtag === undefined)
    return { ok: false, status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
  return bare(condition.ifMatch) === '*' || bare(condition.ifMatch) === bare(currentEtag) ? undefined : failed;
}

/** Removes the condition headers before the request goes on to s3rver (which would read If-* its own way). */
export function withoutConditions(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { 'if-match': _match, 'if-none-match': _noneMatch, ...rest } = headers;
  return rest;
}

/** One queue per key: `run(key, task)` starts `task` after every earlier task of that key has finished. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** A PutObject, not a part upload or a subresource (`?tagging`, `?acl`): the SDK's `x-id=PutObject` and presigning parameters only. */
function isPlainObjectPut(rawQuery: string): boolean {
  if (rawQuery === '') return true;
  return rawQuery.split('&').every((pair) => {
    const name = decodeURIComponent(pair.split('=', 1)[0] ?? '');
    return name === 'x-id' || name.startsWith('X-Amz-');
  });
}

function bare(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
