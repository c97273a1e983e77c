import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The Docker client that matches Debian's engine (the one earlier on PATH may be newer than the engine). */
export const DOCKER = process.env.SLIPWAY_DOCKER ?? '/usr/bin/docker';

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
