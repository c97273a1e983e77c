import { describe, expect, it } from 'vitest';
import {
  buildKeyDocument,
  buildKeyTag,
  buildSettings,
  isBuildKey,
  normalizeArchivePath,
  pathInContext,
  type BuildSettings,
  type ContextEntry,
} from '../../../src/domain/build-key.ts';
import { testConfig } from '../../support/fakes.ts';
import { appConfig } from '../../../src/domain/config.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const ENTRIES: ContextEntry[] = [
  { path: 'Dockerfile', kind: 'file', mode: 0o644, sha256: SHA_A },
  { path: 'content', kind: 'directory', mode: 0o755 },
  { path: 'content/index.html', kind: 'file', mode: 0o644, sha256: SHA_B },
  { path: 'current', kind: 'symlink', mode: 0o777, target: 'content' },
];
const SETTINGS: BuildSettings = { dockerfile: 'Dockerfile', buildArgs: { A: '1' }, buildspec: 'v1' };
const BASE = buildKeyDocument(ENTRIES, SETTINGS);

const withEntry = (index: number, change: Partial<ContextEntry>) =>
  ENTRIES.map((e, i) => (i === index ? { ...e, ...change } : e));

describe('build-key', () => {
  it('writes the format line, the settings, then one JSON line per entry sorted by path', () => {
    expect(buildKeyDocument([...ENTRIES].reverse(), SETTINGS)).toBe(
      [
        'slipway-build-key/1',
        '["buildspec","v1"]',
        '["dockerfile","Dockerfile"]',
        '["target",null]',
        '["platform",null]',
        '["build-arg","A","1"]',
        `["file","Dockerfile",420,"${SHA_A}",null]`,
        '["directory","content",493,null,null]',
        `["file","content/index.html",420,"${SHA_B}",null]`,
        '["symlink","current",511,null,"content"]',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, ContextEntry[], BuildSettings]>([
    ["a file's contents", withEntry(2, { sha256: SHA_A }), SETTINGS],
    ["a file's mode", withEntry(0, { mode: 0o755 }), SETTINGS],
    ["a file's path", withEntry(2, { path: 'content/other.html' }), SETTINGS],
    ["a directory's mode", withEntry(1, { mode: 0o700 }), SETTINGS],
    ["a symlink's target", withEntry(3, { target: 'elsewhere' }), SETTINGS],
    ['a file turned into a symlink', withEntry(2, { kind: 'symlink', sha256: undefined, target: 'x' }), SETTINGS],
    ['a file more', [...ENTRIES, { path: 'extra', kind: 'file', mode: 0o644, sha256: SHA_A }], SETTINGS],
    ['a file fewer', ENTRIES.slice(1), SETTINGS],
    ['the Dockerfile setting', ENTRIES, { ...SETTINGS, dockerfile: 'Dockerfile.prod' }],
    ['the target', ENTRIES, { ...SETTINGS, target: 'runtime' }],
    ['the platform', ENTRIES, { ...SETTINGS, platform: 'linux/arm64' }],
    ["a build arg's value", ENTRIES, { ...SETTINGS, buildArgs: { A: '2' } }],
    ['a build arg more', ENTRIES, { ...SETTINGS, buildArgs: { A: '1', B: '' } }],
    ["the buildspec's version", ENTRIES, { ...SETTINGS, buildspec: 'v2' }],
  ])('changes with %s', (_what, entries, settings) => {
    expect(buildKeyDocument(entries, settings)).not.toBe(BASE);
  });

  it.each<[string, ContextEntry[], BuildSettings]>([
    ['the entries in another order', [ENTRIES[3]!, ENTRIES[1]!, ENTRIES[0]!, ENTRIES[2]!], SETTINGS],
    ['type bits in the mode', withEntry(0, { mode: 0o100644 }), SETTINGS],
  ])('stays the same with %s', (_what, entries, settings) => {
    expect(buildKeyDocument(entries, settings)).toBe(BASE);
  });

  it('orders the build args by name', () => {
    const args = (buildArgs: Record<string, string>) => buildKeyDocument(ENTRIES, { ...SETTINGS, buildArgs });
    expect(args({ B: '2', A: '1' })).toBe(args({ A: '1', B: '2' }));
  });

  it('keeps two entries of one path in their archive order: the later one is what unpacks', () => {
    const first = { path: 'a', kind: 'file' as const, mode: 0o644, sha256: SHA_A };
    const second = { ...first, sha256: SHA_B };
    expect(buildKeyDocument([first, second], SETTINGS)).not.toBe(buildKeyDocument([second, first], SETTINGS));
  });

  it('cannot be forged by a value holding a newline', () => {
    const forged = { ...SETTINGS, dockerfile: 'Dockerfile"]\n["target","x' };
    expect(buildKeyDocument(ENTRIES, forged).split('\n')).toHaveLength(BASE.split('\n').length);
  });

  it.each([
    ['services/web/index.html', 'services/web', 'index.html'],
    ['./services/web/index.html', './services/web/', 'index.html'],
    ['services/web/', 'services/web', undefined],
    ['services/webapp/index.html', 'services/web', undefined],
    ['services/api/main.go', 'services/web', undefined],
    ['index.html', '.', 'index.html'],
    ['./', '.', undefined],
    ['content/', '', 'content'],
  ])('places %s, with contextPath %s, at %s', (path, contextPath, expected) => {
    expect(pathInContext(path, contextPath)).toBe(expected);
  });

  it.each([
    ['./a//b/', 'a/b'],
    ['.', ''],
    ['', ''],
  ])('normalizes %j to %j', (path, expected) => {
    expect(normalizeArchivePath(path)).toBe(expected);
  });

  it("takes an app's Dockerfile, target, platform and build args, with the buildspec's version", () => {
    const app = appConfig(
      testConfig({ web: { dockerfile: 'docker/Dockerfile', target: 'prod', buildArgs: { X: '1' } } }),
      'web',
    );
    expect(buildSettings(app, 'v9')).toEqual({
      dockerfile: 'docker/Dockerfile',
      target: 'prod',
      buildArgs: { X: '1' },
      buildspec: 'v9',
    });
  });

  it('tags an image key-<hex>, a valid Docker and ECR tag', () => {
    const tag = buildKeyTag(SHA_A);
    expect(tag).toBe(`key-${SHA_A}`);
    expect(tag).toMatch(/^[\w][\w.-]{0,127}$/);
    expect(isBuildKey(SHA_A)).toBe(true);
    expect(isBuildKey(tag)).toBe(false);
  });
});
