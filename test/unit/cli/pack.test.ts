import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ContextDirectoryError, packContext } from '../../../src/cli/pack.ts';
import { buildKeyOfArchive } from '../../../src/use-cases/build-key.ts';
import { chunked } from '../../support/tar.ts';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pack-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function entries(bytes: Buffer): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = list({ onReadEntry: (entry) => names.push(entry.path) });
    parser.on('end', resolve).on('error', reject);
    Readable.from(bytes).pipe(parser);
  });
  return names.sort();
}

describe('pack', () => {
  it.each([
    [
      'no .dockerignore',
      { Dockerfile: 'FROM busybox', 'a.txt': 'a', 'src/b.txt': 'b' },
      ['Dockerfile', 'a.txt', 'src/b.txt'],
    ],
    [
      'a plain pattern',
      { '.dockerignore': '*.log', Dockerfile: 'x', 'a.log': '', 'b.txt': '' },
      ['.dockerignore', 'Dockerfile', 'b.txt'],
    ],
    [
      'a folder',
      { '.dockerignore': 'node_modules', Dockerfile: 'x', 'node_modules/x/index.js': '', 'app.js': '' },
      ['.dockerignore', 'Dockerfile', 'app.js'],
    ],
    [
      'an exception',
      { '.dockerignore': '*.md\n!README.md', Dockerfile: 'x', 'README.md': '', 'NOTES.md': '' },
      ['.dockerignore', 'Dockerfile', 'README.md'],
    ],
    [
      '** patterns',
      { '.dockerignore': '**/*.tmp', Dockerfile: 'x', 'a/b/c.tmp': '', 'a/b/c.txt': '' },
      ['.dockerignore', 'Dockerfile', 'a/b/c.txt'],
    ],
    [
      'the Dockerfile itself',
      { '.dockerignore': 'Dockerfile\n.dockerignore', Dockerfile: 'x', 'a.txt': '' },
      ['.dockerignore', 'Dockerfile', 'a.txt'],
    ],
  ])('honours .dockerignore: %s', async (_name, files, expected) => {
    const packed = await packContext(await folder(files));
    expect(packed.files).toEqual(expected);
    expect(await entries(packed.bytes)).toEqual(expected);
  });

  it('computes, while packing, the build key Prepare computes from the uploaded bytes', async () => {
    const key = { contextPath: '.', settings: { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' } };
    const packed = await packContext(await folder({ Dockerfile: 'FROM busybox', 'a/b.txt': 'b' }), { key });

    expect(packed.buildKey).toMatch(/^[0-9a-f]{64}$/);
    expect(packed.buildKey).toBe(await buildKeyOfArchive(chunked(packed.bytes), key));
  });

  it('gives the same build key after the files are touched', async () => {
    const key = { contextPath: '.', settings: { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' } };
    const dir = await folder({ Dockerfile: 'FROM busybox', 'a/b.txt': 'b' });
    const first = await packContext(dir, { key });
    const later = new Date('2031-01-01T00:00:00Z');
    for (const path of ['Dockerfile', 'a/b.txt', 'a']) await utimes(join(dir, path), later, later);

    const second = await packContext(dir, { key });

    expect(second.bytes.equals(first.bytes)).toBe(false);
    expect(second.buildKey).toBe(first.buildKey);
  });

  it('packs without a key unless asked', async () => {
    expect((await packContext(await folder({ Dockerfile: 'x' }))).buildKey).toBeUndefined();
  });

  it('refuses a path that is not a folder', async () => {
    await expect(packContext('/nonexistent/slipway')).rejects.toThrow(ContextDirectoryError);
  });

  it("always sends the app's Dockerfile, wherever it is and whatever .dockerignore says", async () => {
    const dir = await folder({ '.dockerignore': 'docker', 'docker/Dockerfile.prod': 'x', 'app.js': '' });

    const packed = await packContext(dir, {
      dockerfile: { path: 'docker/Dockerfile.prod', setting: 'apps.web.dockerfile' },
    });

    expect(await entries(packed.bytes)).toEqual(['.dockerignore', 'app.js', 'docker/Dockerfile.prod']);
  });

  it.each([
    ['no Dockerfile at all', { 'app.js': '' }, 'Dockerfile'],
    ['another name than the setting', { 'Dockerfile.dev': 'x' }, 'Dockerfile'],
    [
      'the Dockerfile outside the app folder',
      { Dockerfile: 'x', 'services/api/app.js': '' },
      'services/api/Dockerfile',
    ],
  ])('refuses a folder without the Dockerfile the app names: %s', async (_name, files, path) => {
    const refused = packContext(await folder(files), { dockerfile: { path, setting: 'apps.hello.dockerfile' } });

    await expect(refused).rejects.toThrow(ContextDirectoryError);
    await expect(refused).rejects.toThrow(`has no ${path}, the Dockerfile apps.hello.dockerfile names`);
  });

  it('refuses a folder with nothing to send', async () => {
    await expect(packContext(await folder({ '.dockerignore': '*\n!.dockerignore', 'a.txt': '' }))).rejects.toThrow(
      'nothing to build',
    );
  });
});
