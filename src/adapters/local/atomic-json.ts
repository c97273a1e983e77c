import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `writeJsonAtomically('/x/state.json', value)` replaces the file whole (written beside it, then
 * renamed over it), so a reader polling it never sees half a file. Pretty-printed unless `compact`
 * (execution histories, which can be large). The one way the local stack persists its JSON state.
 */
export async function writeJsonAtomically(
  file: string,
  value: unknown,
  options: { compact?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, options.compact ? JSON.stringify(value) : `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, file);
}
