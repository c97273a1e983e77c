import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

import { dockerBinary } from '../adapters/local/docker-binary.ts';

/** The Docker client the local stack runs (SLIPWAY_DOCKER, else Debian's /usr/bin/docker). */
export const DOCKER = dockerBinary(process.env);

/** `dockerAnswers()` → whether the engine is up. */
export async function dockerAnswers(): Promise<boolean> {
  try {
    await exec(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Remove every container carrying `slipway.stack=<stack>` and nothing else; returns how many. */
export async function removeStackContainers(stack: string): Promise<number> {
  const { stdout } = await exec(DOCKER, ['ps', '-aq', '--filter', `label=slipway.stack=${stack}`]);
  const ids = stdout.split(/\s+/).filter(Boolean);
  if (ids.length) await exec(DOCKER, ['rm', '-f', ...ids]);
  return ids.length;
}
