import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildState } from '../../../ports/build-runner.ts';
import type { PhaseRecord } from './progress.ts';
import { writeJsonAtomically } from '../atomic-json.ts';

/** What `<workDir>/<build>/state.json` holds: the answer to `get`, plus what a person debugging wants. */
export interface PersistedBuild extends BuildState {
  app: string;
  runId: string;
  buildNumber: number;
  startTime: string;
  endTime?: string;
  exitCode?: number | null;
  pid?: number;
  phases: PhaseRecord[];
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9-]+$/;

/**
 * `buildDirName('slipway-hello:4f1c…')` → `slipway-hello_4f1c…`, the build's folder under the work dir,
 * or undefined for a string that is not a build id (so it can never name a path outside the work dir).
 */
export function buildDirName(buildId: string): string | undefined {
  return BUILD_ID.test(buildId) ? buildId.replace(':', '_') : undefined;
}

export async function readPersistedBuild(dir: string): Promise<PersistedBuild | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as PersistedBuild;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces state.json atomically, so a reader never sees half a file. */
export async function writePersistedBuild(dir: string, state: PersistedBuild): Promise<void> {
  await writeJsonAtomically(join(dir, 'state.json'), state);
}

/** The build's log lines from index `from` on; a line still being written (no newline yet) is left for the next read. */
export async function readLogLines(path: string, from: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete === '') return [];
  return complete.slice(0, -1).split('\n').slice(Math.max(0, from));
}

/** Reads the NUL-separated name/value pairs the build script writes for exported-variables. */
export async function readExportedVariables(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parts = text.split('\0');
  const variables: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) variables[parts[i] as string] = parts[i + 1] as string;
  return variables;
}
