import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DistributionImageRegistry,
  RegistryRequestError,
} from '../../../../src/adapters/local/distribution-registry.ts';
import { TransientError } from '../../../../src/domain/errors.ts';

/** A registry that answers every request with `status`. */
async function answering(status: number): Promise<{ server: Server; url: string }> {
  const server = createServer((_, response) => response.writeHead(status).end('{"errors":[]}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('DistributionImageRegistry answers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it.each([
    [500, TransientError],
    [503, TransientError],
    [401, RegistryRequestError],
  ])(
    'turns a %s from the registry into a %o (the state machine retries only what is transient)',
    async (status, type) => {
      const { server, url } = await answering(status);
      const dir = await mkdtemp(join(tmpdir(), 'slipway-registry-errors-'));
      cleanup.push(async () => {
        server.close();
        await rm(dir, { recursive: true, force: true });
      });
      const registry = new DistributionImageRegistry({
        url,
        host: url.slice('http://'.length),
        indexPath: join(dir, 'i.json'),
      });

      const error = await registry.findImage('hello', 'key-abc').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(`HEAD /v2/hello/manifests/key-abc with ${status}`);
    },
  );
});
