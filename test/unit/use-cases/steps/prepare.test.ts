import { describe, expect, it } from 'vitest';
import { BUILDSPEC_VERSION } from '../../../../buildspec/version.ts';
import { buildKeyTag, buildSettings } from '../../../../src/domain/build-key.ts';
import { appConfig } from '../../../../src/domain/config.ts';
import { ContextNotFoundError } from '../../../../src/domain/errors.ts';
import type { RunState } from '../../../../src/domain/run-state.ts';
import type { Logger } from '../../../../src/ports/logger.ts';
import { buildKeyOfArchive } from '../../../../src/use-cases/build-key.ts';
import { prepare } from '../../../../src/use-cases/steps/prepare.ts';
import { DIGEST, fakeDependencies, testConfig } from '../../../support/fakes.ts';
import { INPUT } from '../../../support/run-machine.ts';
import { chunked, tarGz, type TarEntry } from '../../../support/tar.ts';

const FILES: TarEntry[] = [
  { path: 'Dockerfile', body: 'FROM busybox\nCOPY index.html /www/\n' },
  { path: 'index.html', body: '<h1>hello</h1>\n' },
];

/** Dependencies with `files` uploaded as the run's context (with `metadata`), and a logger that keeps what it was told. */
async function uploaded(files: TarEntry[], metadata: Record<string, string> = {}, config = testConfig()) {
  const logged: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const keep =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void logged.push({ level, message, fields });
  const logger: Logger = { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
  const deps = fakeDependencies({ config, logger });
  await deps.objects.put({ key: INPUT.context.key, body: tarGz(files), contentType: 'application/gzip', metadata });
  return { deps, logged };
}

async function keyOf(files: TarEntry[], app = 'hello', config = testConfig()) {
  const settings = buildSettings(appConfig(config, app), BUILDSPEC_VERSION);
  return buildKeyOfArchive(chunked(tarGz(files)), { contextPath: appConfig(config, app).contextPath, settings });
}

describe('prepare', () => {
  it('computes the build key from the uploaded bytes and builds when the repository holds no image for it', async () => {
    const { deps } = await uploaded(FILES);

    const next = await prepare(INPUT, deps);

    expect(next.buildKey).toBe(await keyOf(FILES));
    expect(next.repository).toEqual({ name: 'hello', uri: 'registry.example/hello' });
    expect(next.image).toBeUndefined();
    expect(next.reused).toBeUndefined();
  });

  it('deploys the image the repository holds for the build key instead of building', async () => {
    const { deps } = await uploaded(FILES);
    const tag = buildKeyTag(await keyOf(FILES));
    deps.registry.images = [
      { digest: DIGEST, tags: ['01JOLDERRUN0000000000000AB', tag], pushedAt: '2026-11-01T00:00:00Z' },
    ];

    const next = await prepare(INPUT, deps);

    expect(next.image).toEqual({
      repository: 'registry.example/hello',
      digest: DIGEST,
      tags: [tag],
      reference: `registry.example/hello@${DIGEST}`,
    });
    expect(next.reused).toEqual({ tag, digest: DIGEST });
  });

  it('builds a rebuild even when the repository holds an image for the build key', async () => {
    const { deps } = await uploaded(FILES);
    const key = await keyOf(FILES);
    deps.registry.images = [{ digest: DIGEST, tags: [buildKeyTag(key)], pushedAt: '2026-11-01T00:00:00Z' }];

    const next = await prepare({ ...INPUT, rebuild: true }, deps);

    expect(next).toMatchObject({ buildKey: key, rebuild: true });
    expect(next.image).toBeUndefined();
  });

  it("trusts the bytes, not the client's build key, and logs when they differ", async () => {
    const forged = 'f'.repeat(64);
    const { deps, logged } = await uploaded(FILES, { 'build-key': forged });
    deps.registry.images = [{ digest: DIGEST, tags: [buildKeyTag(forged)], pushedAt: '2026-11-01T00:00:00Z' }];

    const next = await prepare(INPUT, deps);

    expect(next.buildKey).toBe(await keyOf(FILES));
    expect(next.image).toBeUndefined();
    expect(logged).toContainEqual({
      level: 'warn',
      message: 'the client computed another build key; the one computed here counts',
      fields: expect.objectContaining({ claimed: forged, buildKey: next.buildKey }),
    });
  });

  it('logs nothing about the client when its key matches', async () => {
    const { deps, logged } = await uploaded(FILES, { 'build-key': await keyOf(FILES) });

    await prepare(INPUT, deps);

    expect(logged.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it("keys a monorepo app by its contextPath only: another folder's change gives the same key", async () => {
    const config = testConfig({ web: { contextPath: 'services/web' } });
    const monorepo = (api: string) => [
      ...FILES.map((f) => ({ ...f, path: `services/web/${f.path}` })),
      { path: 'services/api/main.go', body: api },
    ];
    const first = await uploaded(monorepo('package main'), {}, config);
    const second = await uploaded(monorepo('package main // v2'), {}, config);
    const state = { ...INPUT, app: 'web' };

    expect((await prepare(state, second.deps)).buildKey).toBe((await prepare(state, first.deps)).buildKey);
  });

  it('builds without a key, saying why, when the context is not a readable tar.gz', async () => {
    const { deps, logged } = await uploaded([]);
    await deps.objects.put({ key: INPUT.context.key, body: new Uint8Array(10), contentType: 'application/gzip' });

    const next = await prepare(INPUT, deps);

    expect(next.buildKey).toBeUndefined();
    expect(next.image).toBeUndefined();
    expect(logged.find((l) => l.level === 'warn')?.message).toBe('no build key: the context is not a readable tar.gz');
  });

  it('fails with ContextNotFoundError when the context is not in the bucket', async () => {
    const deps = fakeDependencies();

    await expect(prepare(INPUT, deps)).rejects.toBeInstanceOf(ContextNotFoundError);
  });

  it('reads no context for a rollback, which carries its image', async () => {
    const deps = fakeDependencies();
    const image = { repository: 'registry.example/hello', digest: DIGEST, tags: [], reference: `x@${DIGEST}` };
    const rollback: RunState = { ...INPUT, trigger: { kind: 'rollback' }, image };

    const next = await prepare(rollback, deps);

    expect(next).toEqual({ ...rollback, repository: { name: 'hello', uri: 'registry.example/hello' } });
  });
});
