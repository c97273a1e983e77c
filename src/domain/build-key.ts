import type { AppConfig } from './config.ts';

/**
 * The build key: what `docker build` sees, as one hash. It covers the files of the build context
 * (path, kind, permission bits, contents, link targets — never times, owners or the archive's order)
 * and the app's build settings, so two contexts with the same key build the same image. This module
 * is the rule (which fields, in which order, how they are written); hashing the written document is
 * the caller's (src/use-cases/build-key.ts, sha256).
 */

/** One entry of the build context as the build unpacks it. */
export interface ContextEntry {
  /** Relative to the build context's root (the app's contextPath), `/`-separated, no `./` or trailing `/`. */
  path: string;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** Permission bits only (`mode & 0o7777`): what `tar -x` restores. */
  mode: number;
  /** A file's contents: sha256, hex. */
  sha256?: string;
  /** A link's target, as the archive holds it. */
  target?: string;
}

/** The settings that change what `docker build` makes of the same files. */
export interface BuildSettings {
  dockerfile: string;
  target?: string;
  platform?: string;
  buildArgs: Record<string, string>;
  /** The buildspec's version (buildspec/version.ts): a changed buildspec builds anew. */
  buildspec: string;
}

/** The first line of every document: a new rule gets a new version, so keys of the old one never match. */
export const BUILD_KEY_FORMAT = 'slipway-build-key/1';

/** Images are tagged `key-<64 hex>` (68 characters: within Docker's 128 and ECR's 300). */
export const BUILD_KEY_TAG_PREFIX = 'key-';

/** `buildSettings(app, BUILDSPEC_VERSION)` → the settings of `app` that go into its build key. */
export function buildSettings(app: AppConfig, buildspec: string): BuildSettings {
  return {
    dockerfile: app.dockerfile,
    ...(app.target !== undefined && { target: app.target }),
    ...(app.platform !== undefined && { platform: app.platform }),
    buildArgs: app.buildArgs,
    buildspec,
  };
}

/**
 * `buildKeyDocument(entries, settings)` → the text whose sha256 is the build key: the format line,
 * the settings, then one line per entry sorted by path (entries with the same path keep their
 * order: the last one wins when unpacked). Each line is a JSON array, so no value can forge a line.
 */
export function buildKeyDocument(entries: readonly ContextEntry[], settings: BuildSettings): string {
  const lines = [
    BUILD_KEY_FORMAT,
    JSON.stringify(['buildspec', settings.buildspec]),
    JSON.stringify(['dockerfile', settings.dockerfile]),
    JSON.stringify(['target', settings.target ?? null]),
    JSON.stringify(['platform', settings.platform ?? null]),
    ...Object.keys(settings.buildArgs)
      .sort(byCodePoint)
      .map((name) => JSON.stringify(['build-arg', name, settings.buildArgs[name]])),
    ...[...entries]
      .sort((a, b) => byCodePoint(a.path, b.path))
      .map((e) => JSON.stringify([e.kind, e.path, e.mode & 0o7777, e.sha256 ?? null, e.target ?? null])),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `normalizeArchivePath('./services/web/')` → `services/web`; `'.'` and `''` → `''`, the root: an archive
 * path or an app's contextPath once `./`, `//` and trailing `/` are gone.
 */
export function normalizeArchivePath(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/**
 * `pathInContext('services/web/index.html', 'services/web')` → `index.html`: where an archive entry
 * lands in the build context, or undefined when it is outside it (or is the context's root itself).
 */
export function pathInContext(archivePath: string, contextPath: string): string | undefined {
  const path = normalizeArchivePath(archivePath);
  const root = normalizeArchivePath(contextPath);
  if (root === '') return path === '' ? undefined : path;
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
}

/** `buildKeyTag('3f…')` → `key-3f…`: the tag every image built for the key carries. */
export function buildKeyTag(key: string): string {
  return `${BUILD_KEY_TAG_PREFIX}${key}`;
}

/** `isBuildKey('3f…')` → true for 64 lower-case hex characters (a sha256). */
export function isBuildKey(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
