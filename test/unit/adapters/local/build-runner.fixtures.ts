import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** What the contexts server hands out, by path: one per store, so tests never see each other's objects. */
const served = new Map<string, string>();
let contextsServer: Promise<string> | undefined;

/** A server on loopback answering GET <path> with its bytes, 404 for anything else; started once, never holding the process. */
function contextsUrl(): Promise<string> {
  contextsServer ??= new Promise((resolve) => {
    const server = createServer((request, response) => {
      const body = served.get(request.url ?? '');
      if (body === undefined) response.writeHead(404).end('NoSuchKey');
      else response.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
    });
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
  return contextsServer;
}

/**
 * A context store for the local runner: each key's bytes behind a presigned-like URL on a loopback server;
 * a key it does not hold gets a URL that answers 404. `downloads` records the calls.
 */
export function aContextStore(
  objects: Record<string, string> = { 'contexts/hello/01JTESTRUN0000000000000000.tar.gz': 'context-bytes' },
) {
  const downloads: { key: string; expiresInSeconds: number }[] = [];
  const store = `/store-${randomUUID()}`;
  for (const [key, body] of Object.entries(objects)) served.set(`${store}/${key}`, body);
  const contexts: Pick<ObjectStore, 'createDownload'> & { downloads: typeof downloads } = {
    downloads,
    async createDownload(request): Promise<PresignedRequest> {
      downloads.push(request);
      return {
        method: 'GET',
        url: `${await contextsUrl()}${store}/${request.key}`,
        headers: {},
        expiresAt: new Date(Date.now() + request.expiresInSeconds * 1000).toISOString(),
      };
    },
  };
  return contexts;
}
