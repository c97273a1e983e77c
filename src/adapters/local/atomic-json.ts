import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `writeJsonAtomically('/x/state.json', value)` replaces the file whole (written beside it, then
 * renamed over it), so a reader polling it never sees half a file. Pretty-printed unless `compact`
 * (execution histories, which can be large). The one way the local stack persists its JSON state.
 * Written synchronously: small files on the local disk, a few microseconds each, where the promise API's
 * thread-pool round trips (mkdir, write, rename) cost a run's steps milliseconds each time they save.
 */
export async function writeJsonAtomically(
  file: string,
  value: unknown,
  options: { compact?: boolean } = {},
): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, options.compact ? JSON.stringify(value) : `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}
