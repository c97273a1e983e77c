import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalS3 } from '../../../../src/stand-ins/s3/index.ts';
import { listeningTcpPorts } from '../../local-stack/listening-ports.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret-local' };

describe.skipIf(process.platform !== 'linux')('startLocalS3', () => {
  it('opens one TCP port, the front: s3rver listens only on its unix socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-s3-socket-'));
    const before = await listeningTcpPorts([process.pid]);
    const s3 = await startLocalS3({
      dataDir: join(dir, 'data'),
      socketPath: join(dir, 's3.sock'),
      host: '127.0.0.1',
      port: 0,
      bucket: 'slipway-contexts',
      credentials,
      region: 'us-east-1',
    });
    try {
      const opened = (await listeningTcpPorts([process.pid])).filter((port) => !before.includes(port));
      expect(opened).toEqual([Number(new URL(s3.endpoint).port)]);
      expect((await stat(join(dir, 's3.sock'))).mode & 0o777).toBe(0o600);
    } finally {
      await s3.stop();
    }
  });

  it('refuses an anonymous ListObjects and form POST at the front', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-s3-socket-'));
    const s3 = await startLocalS3({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      bucket: 'slipway-contexts',
      credentials,
      region: 'us-east-1',
    });
    try {
      expect((await fetch(`${s3.endpoint}/slipway-contexts?list-type=2`)).status).toBe(403);
      const form = new FormData();
      form.append('key', 'contexts/hello/evil.tar.gz');
      form.append('file', new Blob(['x']), 'x');
      const post = await fetch(`${s3.endpoint}/slipway-contexts`, {
        method: 'POST',
        body: form,
        headers: { origin: 'https://evil.example' },
      });
      expect(post.status).toBeGreaterThanOrEqual(400);
      expect(post.status).toBeLessThan(500);
    } finally {
      await s3.stop();
    }
  });

  it('removes its socket when it stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-s3-socket-'));
    const s3 = await startLocalS3({
      dataDir: join(dir, 'data'),
      socketPath: join(dir, 's3.sock'),
      host: '127.0.0.1',
      port: 0,
      bucket: 'slipway-contexts',
      credentials,
      region: 'us-east-1',
    });
    await s3.stop();
    await expect(stat(join(dir, 's3.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
