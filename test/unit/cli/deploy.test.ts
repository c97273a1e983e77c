import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UploadTicket } from '../../../src/use-cases/create-upload.ts';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { run } from '../../../src/cli/commands/deploy.ts';
import type { Output } from '../../../src/cli/output.ts';
import { ContextTooLargeError } from '../../../src/domain/errors.ts';
import { ContextDirectoryError } from '../../../src/cli/pack.ts';

/** A context of `bytes` random (incompressible) bytes next to its Dockerfile. */
async function contextOf(bytes: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-deploy-'));
  await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\n');
  await writeFile(join(dir, 'blob.bin'), randomBytes(bytes));
  return dir;
}

function recordingClient(maxBytes: number): {
  client: ApiClient;
  requests: { method: string; path: string; body?: unknown }[];
} {
  const requests: { method: string; path: string; body?: unknown }[] = [];
  const ticket: UploadTicket = {
    runId: '01J0000000',
    app: 'hello',
    key: 'contexts/hello/01J0000000.tar.gz',
    // Port 1 answers nothing: an attempt to upload would fail with a connection error, not a size refusal.
    upload: {
      method: 'POST',
      url: 'http://127.0.0.1:1/bucket',
      fields: {},
      expiresAt: '2030-01-01T00:00:00Z',
      maxBytes,
    },
    maxBytes,
  };
  const client = {
    request: async (method: string, path: string, body?: unknown) => {
      requests.push({ method, path, body });
      return ticket;
    },
  } as unknown as ApiClient;
  return { client, requests };
}

const out: Output = { json: false, line: () => undefined, event: () => undefined, error: () => undefined };

describe('deploy', () => {
  it("refuses a context over the upload's limit before uploading, saying the size, the limit and what to do", async () => {
    const dir = await contextOf(8 * 1024);
    const { client, requests } = recordingClient(4096);

    const refused = run({ dir, app: 'hello', follow: false }, { client, out });

    await expect(refused).rejects.toBeInstanceOf(ContextTooLargeError);
    await expect(refused).rejects.toThrow(
      /The build context for app "hello" is 8\.\d KiB \(\d+ bytes\); the limit is 4\.0 KiB \(4096 bytes\).*\.dockerignore/,
    );
    expect(requests).toEqual([
      { method: 'POST', path: '/uploads', body: expect.objectContaining({ app: 'hello', bytes: expect.any(Number) }) },
    ]);
  });

  it('sends the build key it computed while packing, and --rebuild, with the upload request', async () => {
    const dir = await contextOf(8 * 1024);
    const { client, requests } = recordingClient(4096);
    const settings = { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' };

    await run(
      { dir, app: 'hello', follow: false, rebuild: true },
      { client, out, keySettings: async () => ({ contextPath: '.', settings }) },
    ).catch(() => undefined);

    expect(requests[0]?.body).toMatchObject({ buildKey: expect.stringMatching(/^[0-9a-f]{64}$/), rebuild: true });
  });

  it("refuses a context without the app's Dockerfile before asking for an upload", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-deploy-'));
    await writeFile(join(dir, 'app.js'), '');
    const { client, requests } = recordingClient(4096);
    const settings = { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' };

    const refused = run(
      { dir, app: 'hello', follow: false },
      { client, out, keySettings: async () => ({ contextPath: '.', settings }) },
    );

    await expect(refused).rejects.toBeInstanceOf(ContextDirectoryError);
    await expect(refused).rejects.toThrow(/has no Dockerfile, the Dockerfile apps\.hello\.dockerfile names/);
    expect(requests).toEqual([]);
  });

  it('sends no build key when it has no settings to compute one with', async () => {
    const dir = await contextOf(8);
    const { client, requests } = recordingClient(4096);

    await run({ dir, app: 'hello', follow: false }, { client, out, keySettings: async () => undefined }).catch(
      () => undefined,
    );

    expect(requests[0]?.body).not.toHaveProperty('buildKey');
    expect(requests[0]?.body).not.toHaveProperty('rebuild');
  });
});
