import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { BuildSettings } from '../../../src/domain/build-key.ts';
import { buildKeyOfArchive, ContextUnreadableError } from '../../../src/use-cases/build-key.ts';
import { chunked, tarGz, type TarEntry } from '../../support/tar.ts';

const SETTINGS: BuildSettings = { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' };
const FILES: TarEntry[] = [
  { path: 'Dockerfile', body: 'FROM busybox\nCOPY content /www\n' },
  { path: 'content/', type: 'Directory' },
  { path: 'content/index.html', body: '<h1>hello</h1>\n' },
  { path: 'latest', type: 'SymbolicLink', linkpath: 'content/index.html', mode: 0o777 },
];
const keyOf = (entries: TarEntry[], contextPath = '.', settings = SETTINGS) =>
  buildKeyOfArchive(chunked(tarGz(entries)), { contextPath, settings });
const change = (index: number, fields: Partial<TarEntry>) =>
  FILES.map((entry, i) => (i === index ? { ...entry, ...fields } : entry));

describe('build-key (archive)', () => {
  it('gives a sha256 hex key', async () => {
    expect(await keyOf(FILES)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, TarEntry[]]>([
    ['modification times', FILES.map((e) => ({ ...e, mtime: new Date('2030-05-05T05:05:05Z') }))],
    ['owners (uid, gid and names)', FILES.map((e) => ({ ...e, uid: 1000, gid: 1000, uname: 'dev', gname: 'dev' }))],
    ["the archive's order", [...FILES].reverse()],
    ['a leading ./ on every path', FILES.map((e) => ({ ...e, path: `./${e.path}` }))],
  ])('ignores %s', async (_what, entries) => {
    expect(await keyOf(entries)).toBe(await keyOf(FILES));
  });

  it.each<[string, TarEntry[]]>([
    ["a file's contents", change(2, { body: '<h1>hello!</h1>\n' })],
    ["a file's mode", change(0, { mode: 0o755 })],
    ["a file's path", change(2, { path: 'content/home.html' })],
    ["a directory's mode", change(1, { mode: 0o700 })],
    ["a symlink's target", change(3, { linkpath: 'Dockerfile' })],
    ['a file more', [...FILES, { path: 'content/new.css', body: '' }]],
  ])('changes with %s', async (_what, entries) => {
    expect(await keyOf(entries)).not.toBe(await keyOf(FILES));
  });

  it('changes with a setting', async () => {
    expect(await keyOf(FILES, '.', { ...SETTINGS, buildArgs: { MODE: 'prod' } })).not.toBe(await keyOf(FILES));
  });

  it("hashes only what is under the app's contextPath, as the build sees it", async () => {
    const monorepo = (api: string): TarEntry[] => [
      ...FILES.map((e) => ({ ...e, path: `services/web/${e.path}` })),
      { path: 'services/api/main.go', body: api },
      { path: 'README.md', body: api },
    ];
    const web = await keyOf(monorepo('package main'), 'services/web');
    expect(await keyOf(monorepo('package main // changed'), 'services/web')).toBe(web);
    expect(web).toBe(await keyOf(FILES));
  });

  it('reads an archive that arrives in one chunk the same as in many', async () => {
    const bytes = tarGz(FILES);
    expect(await buildKeyOfArchive(chunked(bytes, bytes.length), { contextPath: '.', settings: SETTINGS })).toBe(
      await keyOf(FILES),
    );
  });

  it.each([
    ['not gzip', Buffer.from('plain text, not an archive')],
    ['gzip but not tar', gzipSync(Buffer.from('x'.repeat(2000)))],
    ['empty', gzipSync(Buffer.alloc(0))],
    ['a truncated entry', truncated()],
  ])('refuses a context that is %s with ContextUnreadableError', async (_what, bytes) => {
    const error = await buildKeyOfArchive(chunked(bytes), { contextPath: '.', settings: SETTINGS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContextUnreadableError);
    expect((error as Error).message).toMatch(/is not a readable tar\.gz/);
  });
});

/** An archive cut off in the middle of a file's contents. */
function truncated(): Buffer {
  const whole = tarGz([{ path: 'big', body: 'x'.repeat(5000) }]);
  return gzipSync(gunzipSync(whole).subarray(0, 2048));
}
