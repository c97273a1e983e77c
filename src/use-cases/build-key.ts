import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadEntry } from 'tar';
// The parser alone: the whole `tar` package would add its writer and extractor to the Prepare bundle.
import { Parser } from 'tar/parse';
import { buildKeyDocument, pathInContext, type BuildSettings, type ContextEntry } from '../domain/build-key.ts';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';

/** The context is not a tar.gz the key can be read from (not gzip, not tar, truncated, a bad header). */
export class ContextUnreadableError extends SlipwayError {
  override name = 'ContextUnreadableError';
  override readonly kind: ErrorKind = 'invalid';
}

const KINDS: Record<string, ContextEntry['kind']> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/**
 * `buildKeyOfArchive(chunks, { contextPath: 'services/web', settings })` → the build key (64 hex) of a
 * tar.gz as it streams by: each entry under contextPath is hashed on the way, so nothing is held but
 * the list of entries. The CLI runs it over the archive it is packing, Prepare over the uploaded one;
 * both read the same bytes the same way. ContextUnreadableError for anything that is not a sound tar.gz.
 */
export async function buildKeyOfArchive(
  archive: AsyncIterable<Uint8Array>,
  options: { contextPath: string; settings: BuildSettings },
): Promise<string> {
  const entries: ContextEntry[] = [];
  // strict: a warning (bad checksum, truncated input) is an error; a skipped entry would go unhashed.
  const parser = new Parser({ strict: true, onReadEntry: (entry) => read(entry, options.contextPath, entries) });
  try {
    await pipeline(Readable.from(archive), parser);
  } catch (error) {
    // The source's own failures (a read that broke off) stay what they are; the rest is the archive's.
    if (error instanceof SlipwayError) throw error;
    throw new ContextUnreadableError(
      `The context is not a readable tar.gz: ${(error as Error).message}. Upload what \`slipway deploy\` packs.`,
      { cause: error },
    );
  }
  return createHash('sha256').update(buildKeyDocument(entries, options.settings)).digest('hex');
}

function read(entry: ReadEntry, contextPath: string, entries: ContextEntry[]): void {
  const path = pathInContext(entry.path, contextPath);
  if (path === undefined) return void entry.resume();
  const kind = KINDS[entry.type] ?? 'other';
  const record: ContextEntry = { path, kind, mode: (entry.mode ?? 0) & 0o7777 };
  // Listed in the archive's order: of two entries with one path, the later is what unpacks.
  entries.push(record);
  if (kind === 'symlink') record.target = entry.linkpath ?? '';
  if (kind === 'hardlink') record.target = pathInContext(entry.linkpath ?? '', contextPath) ?? entry.linkpath ?? '';
  if (kind !== 'file') return void entry.resume();
  const hash = createHash('sha256');
  entry.on('data', (chunk: Buffer) => hash.update(chunk));
  entry.on('end', () => (record.sha256 = hash.digest('hex')));
}
