import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../local-stack/wait-for.ts';

export interface RegistryProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`: the host part of image names. */
  host: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The CNCF distribution registry (Debian's docker-registry) with our own config: loopback only,
 * deletes enabled (lifecycle expiry deletes manifests by digest), no auth, and push notifications
 * sent to `notifyUrl` because the registry API has no push times of its own.
 */
export async function startRegistry(options: { dataDir: string; port: number; notifyUrl: string; binary?: string }): Promise<RegistryProcess> {
  const host = `127.0.0.1:${options.port}`;
  await mkdir(join(options.dataDir, 'storage'), { recursive: true });
  const configPath = join(options.dataDir, 'config.yml');
  await writeFile(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(options.dataDir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      'notifications:',
      '  endpoints:',
      '    - name: slipway',
      `      url: ${options.notifyUrl}`,
      '      timeout: 2s',
      '      threshold: 3',
      '      backoff: 1s',
      '',
    ].join('\n'),
  );
  const log = await open(join(options.dataDir, 'registry.log'), 'a');
  const child: ChildProcess = spawn(options.binary ?? 'docker-registry', ['serve', configPath], { stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);
  const url = `http://${host}`;
  try {
    await waitFor(`the registry at ${url}`, async () => (await fetch(`${url}/v2/`)).ok, { timeoutMs: 15_000, exited });
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${(error as Error).message} See ${join(options.dataDir, 'registry.log')}.`, { cause: error });
  }
  return {
    url,
    host,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await log.close();
    },
  };
}
