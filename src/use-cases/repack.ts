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
 * `repackTarball(githubTarball, 'services/web')` → a tar.gz whose root is that folder of the commit.
 * GitHub's tarballs hold one top-level folder (`owner-repo-sha/`); it is stripped, and for monorepos
 * only the app's contextPath is kept, so the build sees the same layout an upload of that folder gives.
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
    const entries = await readdir(root);
    const chunks: Buffer[] = [];
    for await (const chunk of create(
      { gzip: true, cwd: root, portable: true },
      entries.sort(),
    ) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
