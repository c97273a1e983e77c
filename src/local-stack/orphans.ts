import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { registryPidFile } from '../stand-ins/registry-process.ts';
import type { StackPaths } from './paths.ts';
import { groupAlive, runsCommand, stopProcess } from './processes.ts';
import { isAlive, readStackInfo } from './stack-file.ts';

/**
 * What a stack of this state folder left running or lying around when it died without stopping
 * (SIGKILL, a crash, a reboot): its registry process, its builds' process groups, its temp folder and
 * its sockets (the temp folder is removed: whoever needs it makes it again). Each is recognised by a pid file under the state folder plus its command line, so
 * nothing else on the machine is touched. Returns one line per thing cleaned, for the log and the CLI.
 * Call it only when no stack of this folder is running (boot, and `local down` after the stack exited).
 */
export async function reapOrphans(paths: StackPaths): Promise<string[]> {
  const cleaned: string[] = [];
  for (const pid of await registryPids(paths)) {
    if (isAlive(pid) && (await runsCommand(pid, ['docker-registry', join(paths.registry, 'config.yml')]))) {
      await stopProcess(pid);
      cleaned.push(`stopped the registry process ${pid} a previous stack left running`);
    }
  }
  await rm(registryPidFile(paths.registry), { force: true });
  for (const build of await orphanBuilds(paths)) {
    await stopProcess(build.pid, { group: true });
    cleaned.push(`stopped build ${build.buildId} (pid ${build.pid}) a previous stack left running`);
  }
  const leftovers = await readdir(paths.tmp).catch(() => [] as string[]);
  await rm(paths.tmp, { recursive: true, force: true });
  if (leftovers.length)
    cleaned.push(`removed ${leftovers.length} temp folder(s) a previous stack left in ${paths.tmp}`);
  await rm(paths.s3Socket, { force: true });
  await rm(paths.registrySocket, { force: true });
  return cleaned;
}

async function registryPids(paths: StackPaths): Promise<number[]> {
  const fromFile = Number((await readFile(registryPidFile(paths.registry), 'utf8').catch(() => '')).trim());
  const fromInfo = (await readStackInfo(paths).catch(() => undefined))?.registryPid;
  return [
    ...new Set([fromFile, fromInfo].filter((pid): pid is number => Number.isInteger(pid) && (pid as number) > 0)),
  ];
}

/**
 * Builds whose state.json says IN_PROGRESS and whose bash (with that build's script) still runs, or whose
 * bash died (a killed stack closes its output pipes) leaving the rest of its process group, docker included.
 */
async function orphanBuilds(paths: StackPaths): Promise<{ buildId: string; pid: number }[]> {
  const found: { buildId: string; pid: number }[] = [];
  for (const name of await readdir(paths.builds).catch(() => [] as string[])) {
    const dir = join(paths.builds, name);
    const state = await readFile(join(dir, 'state.json'), 'utf8').then(
      (text) => JSON.parse(text) as { buildId?: string; status?: string; pid?: number },
      () => undefined,
    );
    if (state?.status !== 'IN_PROGRESS' || !state.pid) continue;
    const leader = isAlive(state.pid) ? await runsCommand(state.pid, [join(dir, 'build.sh')]) : groupAlive(state.pid);
    if (leader) found.push({ buildId: state.buildId ?? name, pid: state.pid });
  }
  return found;
}
