/**
 * Run ids are ULIDs: unique and time-ordered, so "newer" is well defined and the execution
 * (named after the run id) can never be started twice for the same upload.
 * The context of a run lives at `contexts/{app}/{runId}.tar.gz`: the key alone says which
 * app and which run an S3 event belongs to.
 */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const APP = /^[a-z][a-z0-9-]{0,39}$/;
const CONTEXT_KEY = /^contexts\/([a-z][a-z0-9-]{0,39})\/([0-9A-HJKMNP-TV-Z]{26})\.tar\.gz$/;

export const CONTEXT_PREFIX = 'contexts/';

/** `isRunId('01JDQ8ZV7N2W4Y6A8C0E2G4J6M')` → true */
export function isRunId(value: string): boolean {
  return ULID.test(value);
}

/** `isAppName('hello')` → true; app names are lower-case DNS-ish labels so they fit ECR, ECS and tags. */
export function isAppName(value: string): boolean {
  return APP.test(value);
}

/** `contextKey('hello', '01J…')` → `contexts/hello/01J….tar.gz` */
export function contextKey(app: string, runId: string): string {
  return `${CONTEXT_PREFIX}${app}/${runId}.tar.gz`;
}

/** `parseContextKey('contexts/hello/01J….tar.gz')` → `{ app: 'hello', runId: '01J…' }`, or undefined for any other key. */
export function parseContextKey(key: string): { app: string; runId: string } | undefined {
  const match = CONTEXT_KEY.exec(key);
  return match ? { app: match[1]!, runId: match[2]! } : undefined;
}

/** The time a ULID was minted: its first 10 characters are milliseconds since the epoch in Crockford base32. */
export function runIdTime(runId: string): Date {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let ms = 0;
  for (const char of runId.slice(0, 10)) ms = ms * 32 + alphabet.indexOf(char);
  return new Date(ms);
}
