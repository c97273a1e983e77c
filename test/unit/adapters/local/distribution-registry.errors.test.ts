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

describe('DistributionImageRegistry answers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  /** The adapter in front of `server`, a stand-in for the registry listening on loopback; both go after the test. */
  async function registryServedBy(server: Server): Promise<DistributionImageRegistry> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = await mkdtemp(join(tmpdir(), 'slipway-registry-errors-'));
    cleanup.push(async () => {
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
    });
    return new DistributionImageRegistry({ url, host: url.slice('http://'.length), indexPath: join(dir, 'i.json') });
  }

  it.each([
    [500, TransientError],
    [503, TransientError],
    [401, RegistryRequestError],
  ])(
    'turns a %s from the registry into a %o (the state machine retries only what is transient)',
    async (status, type) => {
      // A registry that answers every request with `status`.
      const registry = await registryServedBy(
        createServer((_, response) => response.writeHead(status).end('{"errors":[]}')),
      );

      const error = await registry.findImage('hello', 'key-abc').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(`HEAD /v2/hello/manifests/key-abc with ${status}`);
    },
  );

  it('sends a request again on a new connection when the registry closed the kept-alive one under it', async () => {
    // The second request on a connection finds it closed, as when the registry's idle timeout and a step's
    // next question cross: the answer still comes, from a fresh connection.
    const requestsPerSocket = new Map<object, number>();
    const digest = `sha256:${'a'.repeat(64)}`;
    const server = createServer((request, response) => {
      const seen = (requestsPerSocket.get(request.socket) ?? 0) + 1;
      requestsPerSocket.set(request.socket, seen);
      if (seen > 1) {
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'docker-content-digest': digest, 'content-length': '0' }).end();
    });
    const registry = await registryServedBy(server);

    const first = await registry.findImage('hello', 'key-abc');
    await new Promise((resolve) => setTimeout(resolve, 10)); // the connection back in the pool
    const second = await registry.findImage('hello', 'key-abc');

    expect(first?.digest).toBe(digest);
    expect(second?.digest).toBe(digest);
    expect([...requestsPerSocket.values()]).toEqual([2, 1]); // the second went out on the first connection, then again
  });
});
