import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBuildspec, renderBuildScript } from '../../../../src/adapters/local/build-runner/index.ts';
import type { BuildRequest } from '../../../../src/ports/build-runner.ts';
import type { ObjectStore, PresignedRequest } from '../../../../src/ports/object-store.ts';

export interface ScriptRun {
  code: number | null;
  lines: string[];
  /** Output lines only, without the [Container] phase lines. */
  output: string[];
  /** The [Container] lines without their timestamp. */
  markers: string[];
  exported: Record<string, string>;
}

/** Renders `yaml` into the build script and runs it with bash (no Docker), as the runner would. */
export function runBuildspec(yaml: string, env: Record<string, string> = {}): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-script-test-'));
  try {
    writeFileSync(join(dir, 'build.sh'), renderBuildScript(parseBuildspec(yaml)));
    const result = spawnSync('bash', [join(dir, 'build.sh'), join(dir, 'exported')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8', ...env },
      encoding: 'utf8',
      timeout: 10_000,
    });
    const lines = result.stdout.replace(/\n$/, '').split('\n');
    const parts = safeRead(join(dir, 'exported')).split('\0');
    const exported: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) exported[parts[i] as string] = parts[i + 1] as string;
    return {
      code: result.status,
      lines,
      output: lines.filter((line) => !line.startsWith('[Container] ')),
      markers: lines.flatMap((line) => /^\[Container\] \S+ \S+ (.*)$/.exec(line)?.slice(1) ?? []),
      exported,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** `phases({ pre_build: ['export A=1'], build: ['echo $A'] })` → a version 0.2 buildspec with those commands. */
export function phases(
  commands: Partial<Record<'install' | 'pre_build' | 'build' | 'post_build', string[]>>,
  extra = '',
): string {
  const blocks = Object.entries(commands).map(
    ([phase, list]) => `  ${phase}:\n    commands:\n${list.map((c) => `      - ${JSON.stringify(c)}`).join('\n')}`,
  );
  return `version: 0.2\n${extra}phases:\n${blocks.join('\n')}\n`;
}

/** A typed BuildRequest with sensible defaults. */
export function aBuildRequest(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    runId: '01JTESTRUN0000000000000000',
    app: 'hello',
    context: { bucket: 'slipway-local', key: 'contexts/hello/01JTESTRUN0000000000000000.tar.gz' },
    contextPath: '.',
    dockerfile: 'Dockerfile',
    imageRepository: '127.0.0.1:5000/hello',
    imageTags: ['01JTESTRUN0000000000000000'],
    buildArgs: {},
    ...overrides,
  };
}

/**
 * A context store for the local runner: each key's bytes handed out as a `data:` URL (fetch reads it
 * with no server); a key it does not hold gets a URL that answers 404. `downloads` records the calls.
 */
export function aContextStore(
  objects: Record<string, string> = { 'contexts/hello/01JTESTRUN0000000000000000.tar.gz': 'context-bytes' },
) {
  const downloads: { key: string; expiresInSeconds: number }[] = [];
  const store: Pick<ObjectStore, 'createDownload'> & { downloads: typeof downloads } = {
    downloads,
    async createDownload(request): Promise<PresignedRequest> {
      downloads.push(request);
      const body = objects[request.key];
      const url =
        body === undefined
          ? 'http://127.0.0.1:9/missing.tar.gz'
          : `data:application/gzip;base64,${Buffer.from(body).toString('base64')}`;
      return {
        method: 'GET',
        url,
        headers: {},
        expiresAt: new Date(Date.now() + request.expiresInSeconds * 1000).toISOString(),
      };
    },
  };
  return store;
}
