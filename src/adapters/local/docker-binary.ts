/** The Docker client that matches Debian's engine (the one earlier on PATH may be newer than the engine). */
export const DEFAULT_DOCKER = '/usr/bin/docker';

/**
 * `dockerBinary(process.env)` → the docker client the local stack runs: `SLIPWAY_DOCKER` when set
 * (a Docker installed elsewhere), else Debian's `/usr/bin/docker`. The one place this is decided.
 */
export function dockerBinary(env: Record<string, string | undefined>): string {
  return env.SLIPWAY_DOCKER || DEFAULT_DOCKER;
}
