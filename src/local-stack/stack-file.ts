import { readFile, rm } from 'node:fs/promises';
import type { StackPaths } from './paths.ts';
import { writeJsonAtomically } from '../adapters/local/atomic-json.ts';

/** What `slipway local status --json` prints, and how the CLI finds the running stack. */
export interface StackInfo {
  pid: number;
  startedAt: string;
  api: string;
  s3: string;
  bucket: string;
  registry: string;
  /** The registry's first process (its supervisor restarts it: the live pid is in registry/registry.pid and `local status`). */
  registryPid: number;
  /** What this start had to do that the user should hear about (a killed stack's leftovers cleaned, a kept port replaced): `local up` prints them. */
  notices?: string[];
  stack: string;
  stateDir: string;
  log: string;
}

export async function readStackInfo(paths: StackPaths): Promise<StackInfo | undefined> {
  try {
    return JSON.parse(await readFile(paths.stackFile, 'utf8')) as StackInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces stack.json atomically: `local up` polls it while the stack writes it, and must never read half a file. */
export async function writeStackInfo(paths: StackPaths, info: StackInfo): Promise<void> {
  await writeJsonAtomically(paths.stackFile, info);
}

export async function removeStackInfo(paths: StackPaths): Promise<void> {
  await rm(paths.stackFile, { force: true });
}

/** `isAlive(pid)` → whether a process with that id exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
