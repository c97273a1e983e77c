import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DOCKER = '/usr/bin/docker';
export const REGISTRY = '/usr/bin/docker-registry';

/**
 * Why the real Docker engine (with busybox:latest) and, when asked, the registry binary cannot be
 * used here, or undefined when they can. Suites skip with this reason locally; with CI=true they fail.
 */
export async function missingPrerequisite(options: { registry?: boolean } = {}): Promise<string | undefined> {
  const hint = 'run: bash scripts/prereqs.sh';
  try {
    await run(DOCKER, ['info', '--format', '{{.ServerVersion}}']);
  } catch {
    return `the Docker engine does not answer (${DOCKER} info failed); ${hint}`;
  }
  try {
    await run(DOCKER, ['image', 'inspect', 'busybox:latest']);
  } catch {
    return `there is no busybox:latest image; ${hint}`;
  }
  if (!options.registry) return undefined;
  return access(REGISTRY, constants.X_OK).then(
    () => undefined,
    () => `${REGISTRY} is missing; ${hint}`,
  );
}
