import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILDSPEC_PATH } from '../../buildspec/index.ts';
import { LocalBuildRunner } from '../../src/adapters/local/build-runner/index.ts';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import {
  buildRequest,
  buildRunnerContract,
  buildRunnerErrorContract,
  waitForBuild,
  type BuildRunnerHarness,
} from './build-runner.contract.ts';
import { DOCKER, missingPrerequisite, REGISTRY } from '../support/prerequisites.ts';

const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';
const run = promisify(execFile);

const missing = await missingPrerequisite({ registry: true });
// Locally a missing engine skips with the reason; in CI it must fail, so CI cannot go green without running these.
const skip = missing !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`build-runner.local: skipped, ${missing}`);

/** The CNCF distribution registry on a free loopback port, with its own config (no auth, deletes on). */
async function startRegistry(root: string): Promise<{ port: number; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const config = join(root, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: warn, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(root, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: 127.0.0.1:${port}, secret: contract-test }`,
      '',
    ].join('\n'),
  );
  const child = spawn(REGISTRY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, child, output: () => output };
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the registry did not start on ${port}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe.skipIf(skip)('LocalBuildRunner against the Docker engine', () => {
  let root: string;
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  let contextServer: Server | undefined;
  let runner: LocalBuildRunner | undefined;
  let harness: BuildRunnerHarness;
  let contextStore: Pick<ObjectStore, 'createDownload'>;
  const contexts = new Map<string, Buffer>();

  beforeAll(async () => {
    if (missing) throw new Error(`build-runner.local needs the Docker engine: ${missing}`);
    root = await mkdtemp(join(tmpdir(), 'slipway-build-runner-'));
    registry = await startRegistry(root);
    contextServer = createServer((request, response) => {
      const body = contexts.get(request.url ?? '');
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/gzip' }).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => contextServer?.listen(0, '127.0.0.1', resolve));
    const contextPort = (contextServer.address() as AddressInfo).port;
    // The object store's part the runner uses: a presigned GET of a key, here served by the test's own server.
    contextStore = {
      async createDownload({ key, expiresInSeconds }) {
        return {
          method: 'GET',
          url: `http://127.0.0.1:${contextPort}/${key}`,
          headers: {},
          expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
        };
      },
    };
    const localRunner = new LocalBuildRunner({
      buildspecPath: BUILDSPEC_PATH,
      workDir: join(root, 'builds'),
      contexts: contextStore,
      docker: DOCKER,
    });
    runner = localRunner;
    const registryPort = registry.port;
    harness = {
      runner: localRunner,
      async serveContext(files) {
        const dir = await mkdtemp(join(root, 'context-'));
        for (const [path, text] of Object.entries(files)) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), text);
        }
        const archive = `${dir}.tar.gz`;
        await createTar({ gzip: true, file: archive, cwd: dir }, ['.']);
        const key = `contexts/${contexts.size}.tar.gz`;
        contexts.set(`/${key}`, await readFile(archive));
        return { bucket: 'slipway-contract', key };
      },
      repository: (name) => `127.0.0.1:${registryPort}/${name}`,
      async registryDigest(repository, tag) {
        const name = repository.slice(repository.indexOf('/') + 1);
        const response = await fetch(`http://127.0.0.1:${registryPort}/v2/${name}/manifests/${tag}`, {
          method: 'HEAD',
          headers: { accept: MANIFEST_TYPES },
        });
        return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
      },
      async log(buildId) {
        return (await localRunner.logLines(buildId, 0)).lines;
      },
    };
  });

  afterAll(async () => {
    await runner?.close();
    await stopProcess(registry?.child);
    await new Promise((resolve) => (contextServer ? contextServer.close(resolve) : resolve(undefined)));
    if (registry) {
      // The engine keeps a tagged copy of every pushed image; drop the ones this run made.
      const { stdout } = await run(DOCKER, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
      const ours = stdout.split('\n').filter((ref) => ref.startsWith(`127.0.0.1:${registry?.port}/`));
      if (ours.length > 0) await run(DOCKER, ['rmi', ...ours]).catch(() => undefined);
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  buildRunnerContract(() => harness);
  buildRunnerErrorContract(() => harness.runner);

  it('keeps a variable set in pre_build for the build phase', async () => {
    const buildspec = join(root, 'phases.yml');
    await writeFile(
      buildspec,
      [
        'version: 0.2',
        'phases:',
        '  pre_build:',
        '    commands:',
        '      - export BUILT_BY="slipway $SLIPWAY_APP" && mkdir stage && cd stage',
        '      - PLAIN=$(docker version --format "{{.Server.Version}}")',
        '  build:',
        '    commands:',
        '      - \'echo "build sees: $BUILT_BY, engine $PLAIN, in $(basename "$PWD")"\'',
        '',
      ].join('\n'),
    );
    const phasesRunner = new LocalBuildRunner({
      buildspecPath: buildspec,
      workDir: join(root, 'builds'),
      contexts: contextStore,
    });
    const request = buildRequest(harness, {
      context: { bucket: 'slipway-contract', key: 'contexts/unused.tar.gz' },
      app: 'phases',
    });

    const { buildId } = await phasesRunner.start(request);
    const state = await waitForBuild(phasesRunner, buildId);
    const { lines } = await phasesRunner.logLines(buildId);

    expect(state.status, state.logTail?.join('\n')).toBe('SUCCEEDED');
    expect(lines).toContainEqual(expect.stringMatching(/^build sees: slipway phases, engine \d+\.\d+\S*, in stage$/));
  });
});
