import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { create } from 'tar';
import type { BuildSettings } from '../domain/build-key.ts';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';
import { buildKeyOfArchive } from '../use-cases/build-key.ts';

export class ContextDirectoryError extends SlipwayError {
  override name = 'ContextDirectoryError';
  override readonly kind: ErrorKind = 'invalid';
}

export interface PackedContext {
  bytes: Buffer;
  files: string[];
  /** The build key of what was packed, when asked for (`key`): computed from the archive as it is written. */
  buildKey?: string;
}

/**
 * `packContext('./examples/hello')` → the folder as a tar.gz, leaving out what its .dockerignore
 * excludes (Docker's own matching rules, via @balena/dockerignore). The Dockerfile and .dockerignore
 * always go in: the builder needs them, as `docker build` sends them too. With `dockerfile` (its path
 * in the folder, and the setting that names it), a folder without it is refused. With `key`, the
 * archive's build key too, in the same pass: each chunk is hashed as it is packed, the way Prepare reads it.
 */
export async function packContext(
  dir: string,
  options: {
    dockerfile?: { path: string; setting: string };
    key?: { contextPath: string; settings: BuildSettings };
  } = {},
): Promise<PackedContext> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new ContextDirectoryError(
      `"${dir}" is not a folder. Pass the folder that holds your Dockerfile: slipway deploy ./app --app <name>`,
    );
  const rules = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  // CommonJS with a default-export typing: under Node's ESM interop the function is the module itself.
  const ignore = dockerignore as unknown as typeof dockerignore.default;
  const ig = ignore().add(rules.split(/\r?\n/));
  const dockerfile = options.dockerfile?.path ?? 'Dockerfile';
  const found = await walk(dir);
  if (options.dockerfile && !found.includes(dockerfile))
    throw new ContextDirectoryError(
      `"${dir}" has no ${dockerfile}, the Dockerfile ${options.dockerfile.setting} names. ` +
        `Add one there, or set ${options.dockerfile.setting} to the path of yours (relative to the app's contextPath).`,
    );
  const always = new Set(['.dockerignore', dockerfile]);
  const files = found.filter((file) => always.has(file) || !ig.ignores(file)).sort();
  if (!files.some((file) => file !== '.dockerignore'))
    throw new ContextDirectoryError(
      `"${dir}" has nothing to build (it is empty, or .dockerignore excludes everything).`,
    );
  const chunks: Buffer[] = [];
  // portable: no uid, gid, user or group names from this machine in the archive.
  const stream = create({ gzip: true, cwd: dir, portable: true }, files) as AsyncIterable<Buffer>;
  async function* kept(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      chunks.push(chunk);
      yield chunk;
    }
  }
  if (!options.key) {
    for await (const _chunk of kept());
    return { bytes: Buffer.concat(chunks), files };
  }
  const buildKey = await buildKeyOfArchive(kept(), options.key);
  return { bytes: Buffer.concat(chunks), files, buildKey };
}

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(root, full).split(sep).join('/');
    if (entry.isDirectory()) out.push(...(await walk(root, full)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}
