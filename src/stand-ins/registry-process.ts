import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../local-stack/wait-for.ts';
import { startLoopbackFront } from './loopback-front.ts';
import type { Logger } from '../ports/logger.ts';

export interface RegistryHealth {
  ok: boolean;
  /** The registry process running now (it changes when the supervisor restarts it). */
  pid?: number;
  /** How many times it was restarted since the stack started. */
  restarts: number;
  /** How the last process ended, when one did: `exit code 2`, `signal SIGKILL`. */
  lastExit?: string;
}

export interface RegistryProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`: the host part of image names. */
  host: string;
  /** Its filesystem storage (`storage.filesystem.rootdirectory`): what it stores, readable by this machine. */
  storageDir: string;
  /** The unix socket the registry itself listens on (its front forwards `url` there). */
  socketPath: string;
  /** The registry process running now. */
  readonly pid: number;
  /** Whether the registry answers `/v2/` now, and its restarts so far. */
  health(): Promise<RegistryHealth>;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  dataDir: string;
  /** The TCP port of its front on 127.0.0.1: the registry itself listens only on `socketPath`. */
  port: number;
  /** Default: registry.sock in dataDir. Keep it under 100 bytes (a unix socket's path limit). */
  socketPath?: string;
  notifyUrl: string;
  binary?: string;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** Restart backoff: the first wait, doubled after each exit that came soon after a start, up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

/** Where the running registry's pid is kept, so a later stack (or `local down`) can stop one a killed stack left. */
export function registryPidFile(dataDir: string): string {
  return join(dataDir, 'registry.pid');
}

/** A process that ran this long before exiting was healthy: the next restart waits only the initial backoff. */
const STABLE_MS = 10_000;

/**
 * The CNCF distribution registry (Debian's docker-registry) with our own config: on a unix socket
 * behind a loopback front that refuses web pages (src/stand-ins/loopback-front.ts),
 * deletes enabled (lifecycle expiry deletes manifests by digest), no auth, and push notifications
 * sent to `notifyUrl` because the registry API has no push times of its own. Supervised as ECR is
 * always there: a registry process that exits is started again, with backoff, until stop().
 */
export async function startRegistry(options: RegistryOptions): Promise<RegistryProcess> {
  const backoff = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
  const socketPath = options.socketPath ?? join(options.dataDir, 'registry.sock');
  const configPath = await writeConfig(options.dataDir, socketPath, options.notifyUrl);
  const front = await startLoopbackFront({ port: options.port, socketPath, name: 'registry' });
  const host = `127.0.0.1:${front.port}`;
  const url = `http://${host}`;
  const log = await open(join(options.dataDir, 'registry.log'), 'a');
  const pidFile = registryPidFile(options.dataDir);
  let stopping = false;
  let restarts = 0;
  let failures = 0;
  let lastExit: string | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let current: { child: ChildProcess; exited: Promise<void>; startedAt: number };

  const launch = async () => {
    // A socket file left by a process that was killed makes the next one fail to listen.
    await rm(socketPath, { force: true });
    const child = spawn(options.binary ?? 'docker-registry', ['serve', configPath], {
      stdio: ['ignore', log.fd, log.fd],
    });
    child.once('error', () => undefined);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    current = { child, exited, startedAt: Date.now() };
    child.once('exit', (code, signal) => onExit(child, code, signal));
    if (child.pid !== undefined) await writeFile(pidFile, `${child.pid}\n`);
    await waitFor(`the registry at ${url}`, async () => (await fetch(`${url}/v2/`)).ok, { timeoutMs: 15_000, exited });
  };

  const onExit = (child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => {
    if (stopping || child !== current.child) return;
    lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
    failures = Date.now() - current.startedAt >= STABLE_MS ? 0 : failures + 1;
    const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
    options.logger?.warn('registry exited; restarting it', { lastExit, delayMs, restarts });
    restartTimer = setTimeout(() => {
      if (stopping) return;
      restarts += 1;
      // A restart that does not come up ends with the process killed: its exit schedules the next try.
      launch().catch((error: unknown) => {
        options.logger?.error('registry restart failed', {
          error: String(error),
          log: join(options.dataDir, 'registry.log'),
        });
        current.child.kill('SIGKILL');
      });
    }, delayMs);
  };

  try {
    await launch();
  } catch (error) {
    stopping = true;
    current!.child.kill('SIGTERM');
    await log.close();
    await front.close();
    throw new Error(`${(error as Error).message} See ${join(options.dataDir, 'registry.log')}.`, { cause: error });
  }
  return {
    url,
    host,
    storageDir: storageDirOf(options.dataDir),
    socketPath,
    get pid() {
      return current.child.pid ?? 0;
    },
    async health() {
      const ok = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
      return {
        ok,
        ...(current.child.pid !== undefined && { pid: current.child.pid }),
        restarts,
        ...(lastExit && { lastExit }),
      };
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const { child, exited } = current;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killed);
      }
      await front.close();
      await rm(pidFile, { force: true });
      await rm(socketPath, { force: true });
      await log.close();
    },
  };
}

function storageDirOf(dataDir: string): string {
  return join(dataDir, 'storage');
}

async function writeConfig(dataDir: string, socketPath: string, notifyUrl: string): Promise<string> {
  await mkdir(storageDirOf(dataDir), { recursive: true });
  const configPath = join(dataDir, 'config.yml');
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
      `    rootdirectory: ${storageDirOf(dataDir)}`,
      '  delete:',
      '    enabled: true',
      'http:',
      '  net: unix',
      `  addr: ${socketPath}`,
      'notifications:',
      '  endpoints:',
      '    - name: slipway',
      `      url: ${notifyUrl}`,
      '      timeout: 2s',
      '      threshold: 3',
      '      backoff: 1s',
      // Only manifest pushes are recorded: every pull and HEAD (a lifecycle run makes one per tag) and every
      // layer would otherwise be one more request to the stack, one at a time.
      '      ignore:',
      '        mediatypes:',
      '          - application/octet-stream',
      '        actions:',
      '          - pull',
      '',
    ].join('\n'),
  );
  return configPath;
}
