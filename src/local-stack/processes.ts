import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './stack-file.ts';

/**
 * Whether process `pid` was started with every one of `parts` in its command line (Linux's /proc;
 * elsewhere, trust the pid). A pid file left by a crash or a reboot may name a pid that now belongs
 * to something else: nothing is signalled without this check.
 */
export async function runsCommand(pid: number, parts: string[]): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return process.platform !== 'linux';
  }
  return parts.every((part) => cmdline.includes(part));
}

/**
 * `stopProcess(1234)` sends SIGTERM, waits up to `graceMs`, then SIGKILL; `{ group: true }` signals the
 * process group it leads (a build: bash and the docker client under it). Resolves once it is gone.
 */
export async function stopProcess(pid: number, options: { group?: boolean; graceMs?: number } = {}): Promise<void> {
  const target = options.group ? -pid : pid;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
    } catch {
      // already gone
    }
  };
  const alive = () => (options.group ? groupAlive(pid) : isAlive(pid));
  signal('SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 5000);
  while (alive() && Date.now() < deadline) await sleep(50);
  if (alive()) signal('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (alive() && Date.now() < killDeadline) await sleep(50);
}

/**
 * Whether any process is left in process group `pgid`. While one is, the kernel gives no new process
 * that id, so a group found alive is still the one that leader started, even after the leader died.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
