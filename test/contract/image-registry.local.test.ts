import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DistributionImageRegistry,
  type RegistryNotification,
} from '../../src/adapters/local/distribution-registry.ts';
import { freePort } from '../../src/local-stack/tcp-ports.ts';
import { startRegistry, type RegistryProcess } from '../../src/stand-ins/registry-process.ts';
import { imageRegistryContract, type ImageRegistryFixture } from './image-registry.contract.ts';
import { DOCKER, missingPrerequisite, REGISTRY } from '../support/prerequisites.ts';

const run = promisify(execFile);

const missing = await missingPrerequisite({ registry: true });
// Locally a missing engine skips with the reason; in CI it must fail, so CI cannot go green without running these.
const skip = missing !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`image-registry.local: skipped, ${missing}`);

/**
 * The distribution registry as the local stack runs it (startRegistry, push notifications feeding the
 * push index), with images built from busybox and pushed by the real Docker client. With `storage`, the
 * adapter reads tags from the registry's storage as the local stack's does; without, it asks the API.
 */
async function startLocalRegistry(options: {
  storage: boolean;
}): Promise<ImageRegistryFixture & { indexPath: string }> {
  if (missing) throw new Error(`image-registry.local needs the Docker engine and the registry: ${missing}`);
  const root = await mkdtemp(join(tmpdir(), 'slipway-image-registry-'));
  const notified = new Set<string>();
  const port = await freePort();
  const indexPath = join(root, 'push-index.json');
  const registry = new DistributionImageRegistry({
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    indexPath,
    // As the stack wires it: the storage read directly, the API over the registry's own socket.
    ...(options.storage && {
      storageDir: join(root, 'registry', 'storage'),
      socketPath: join(root, 'registry', 'registry.sock'),
    }),
  });
  const notify: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const notification = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RegistryNotification;
      void registry.recordNotification(notification).then(() => {
        for (const event of notification.events ?? [])
          if (event.action === 'push' && event.target?.digest) notified.add(event.target.digest);
        response.writeHead(200).end();
      });
    });
  });
  await new Promise<void>((resolve) => notify.listen(0, '127.0.0.1', resolve));
  let process_: RegistryProcess | undefined;
  try {
    process_ = await startRegistry({
      dataDir: join(root, 'registry'),
      port,
      notifyUrl: `http://127.0.0.1:${(notify.address() as AddressInfo).port}/`,
      binary: REGISTRY,
    });
  } catch (error) {
    notify.close();
    throw error;
  }
  const host = process_.host;
  const pushed: string[] = [];
  let images = 0;
  return {
    registry,
    indexPath,
    async push(repository, tag) {
      const context = await mkdtemp(join(root, 'context-'));
      await writeFile(
        join(context, 'Dockerfile'),
        `FROM busybox\nLABEL slipway.contract="${process.pid}-${++images}"\n`,
      );
      const reference = `${host}/${repository}:${tag}`;
      await run(DOCKER, ['build', '-q', '-t', reference, context], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
      pushed.push(reference);
      const { stdout } = await run(DOCKER, ['push', reference]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
      if (!digest) throw new Error(`docker push ${reference} printed no digest:\n${stdout}`);
      // The push time comes from the registry's notification: wait for it, as the stack's index does.
      const deadline = Date.now() + 10_000;
      while (!notified.has(digest)) {
        if (Date.now() > deadline) throw new Error(`no push notification for ${digest} within 10s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return digest;
    },
    async teardown() {
      await process_?.stop();
      await new Promise((resolve) => notify.close(resolve));
      if (pushed.length > 0) await run(DOCKER, ['rmi', ...pushed]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

describe.skipIf(skip).each([
  { storage: true, reading: "reading tags from the registry's storage, its API over its own socket" },
  { storage: false, reading: 'asking the registry API for every tag, through its front' },
])('DistributionImageRegistry against the distribution registry, $reading', ({ storage }) => {
  imageRegistryContract('DistributionImageRegistry', () => startLocalRegistry({ storage }));

  it('deletes what the policy expires, by digest, with every tag it had', async () => {
    const fixture = await startLocalRegistry({ storage });
    try {
      const older = await fixture.push('apply', 'v1');
      await fixture.registry.tagImage('apply', older, 'also-v1');
      const newer = await fixture.push('apply', 'v2');

      const outcome = await fixture.registry.applyLifecyclePolicy('apply', {
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      });

      expect(outcome).toEqual({
        policyChanged: true,
        expired: [{ digest: older, tags: ['also-v1', 'v1'], rulePriority: 1 }],
      });
      expect(await fixture.registry.listImages('apply')).toEqual([
        { digest: newer, tags: ['v2'], pushedAt: expect.any(String) },
      ]);
    } finally {
      await fixture.teardown();
    }
  });

  it('writes its push index only when something changed it (not on every list, nor for the same policy again)', async () => {
    const fixture = await startLocalRegistry({ storage });
    const untagged = (days: number) => ({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days },
          action: { type: 'expire' },
        },
      ],
    });
    try {
      await fixture.push('quiet', 'v1');
      await fixture.registry.applyLifecyclePolicy('quiet', untagged(7));
      await rm(fixture.indexPath);

      await fixture.registry.listImages('quiet');
      await fixture.registry.applyLifecyclePolicy('quiet', untagged(7));
      expect(existsSync(fixture.indexPath)).toBe(false);

      await fixture.registry.applyLifecyclePolicy('quiet', untagged(14));
      expect(existsSync(fixture.indexPath)).toBe(true);
    } finally {
      await fixture.teardown();
    }
  });
});
