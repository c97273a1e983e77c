import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributionImageRegistry } from '../../../../src/adapters/local/distribution-registry.ts';

const MANIFEST = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [] }),
);
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

/**
 * tagImage with the registry's storage at hand: the manifest comes from its blob store, checked against its
 * digest, and only the tag's PUT goes to the API; what the storage cannot vouch for is asked of the API.
 */
describe("DistributionImageRegistry's tagging from the registry's storage", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  /** A storage folder holding `blob` under the manifest digest, linked from repository `hello`, and an API that records requests. */
  async function registry(blob: Buffer) {
    const storage = await mkdtemp(join(tmpdir(), 'slipway-registry-storage-'));
    const hex = DIGEST.slice('sha256:'.length);
    const v2 = join(storage, 'docker', 'registry', 'v2');
    await mkdir(join(v2, 'repositories', 'hello', '_manifests', 'revisions', 'sha256', hex), { recursive: true });
    await writeFile(join(v2, 'repositories', 'hello', '_manifests', 'revisions', 'sha256', hex, 'link'), DIGEST);
    await mkdir(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true });
    await writeFile(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), blob);
    const asked: string[] = [];
    const put: { type?: string; body?: Buffer } = {};
    const server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'GET') {
          response.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
          response.end(MANIFEST);
          return;
        }
        Object.assign(put, { type: request.headers['content-type'], body: Buffer.concat(chunks) });
        response.writeHead(201, { 'docker-content-digest': DIGEST }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cleanup.push(async () => {
      server.closeAllConnections();
      server.close();
      await rm(storage, { recursive: true, force: true });
    });
    const adapter = new DistributionImageRegistry({
      url,
      host: url.slice('http://'.length),
      indexPath: join(storage, 'index.json'),
      storageDir: storage,
    });
    return { adapter, asked, put };
  }

  it('takes the manifest from the blob store and only PUTs the tag', async () => {
    const { adapter, asked, put } = await registry(MANIFEST);

    await adapter.tagImage('hello', DIGEST, 'key-abc');

    expect(asked).toEqual(['PUT /v2/hello/manifests/key-abc']);
    expect(put).toEqual({ type: 'application/vnd.docker.distribution.manifest.v2+json', body: MANIFEST });
  });

  it('asks the API for a manifest whose stored bytes do not hash to its digest', async () => {
    const { adapter, asked, put } = await registry(Buffer.from('{"mediaType":"something else"}'));

    await adapter.tagImage('hello', DIGEST, 'key-abc');

    expect(asked).toEqual([`GET /v2/hello/manifests/${DIGEST}`, 'PUT /v2/hello/manifests/key-abc']);
    expect(put.body).toEqual(MANIFEST);
  });

  it('asks the API for a manifest of a repository that does not link it', async () => {
    const { adapter, asked } = await registry(MANIFEST);

    await adapter.tagImage('other', DIGEST, 'key-abc');

    expect(asked).toEqual([`GET /v2/other/manifests/${DIGEST}`, 'PUT /v2/other/manifests/key-abc']);
  });
});
