import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, extract } from 'tar';
import { InvalidInputError, SlipwayError, type ErrorKind } from '../domain/errors.ts';

export class ContextPathMissingError extends SlipwayError {
  override name = 'ContextPathMissingError';
  override readonly kind: ErrorKind = 'invalid';
}

/**
 * `repackTarball(githubTarball, 'services/web')` → a tar.gz of the commit holding only that folder, at its
 * path (`services/web/…`). GitHub's tarballs hold one top-level folder (`owner-repo-sha/`); it is stripped.
 * The build builds the app's contextPath inside the context, as it does for an upload of the repository;
 * and another folder of a monorepo never reaches the build or its build key.
 */
export async function repackTarball(tarball: Uint8Array, contextPath: string): Promise<Buffer> {
  const path = normalize(contextPath).replace(/^\.\/?|\/$/g, '');
  if (path.startsWith('..')) throw new InvalidInputError(`contextPath "${contextPath}" leaves the repository.`);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-source-'));
  try {
    // strip: 1 drops GitHub's top-level folder; node-tar refuses absolute and ../ paths by default.
    await pipeline(Readable.from([Buffer.from(tarball)]), extract({ cwd: dir, strip: 1 }));
    const root = path ? join(dir, path) : dir;
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory())
      throw new ContextPathMissingError(`The commit has no folder "${contextPath}" (apps.<name>.contextPath).`);
    const entries = path ? [path] : (await readdir(root)).sort();
    const chunks: Buffer[] = [];
    for await (const chunk of create({ gzip: true, cwd: dir, portable: true }, entries) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
