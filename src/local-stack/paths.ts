import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';

export class ProjectNotFoundError extends SlipwayError {
  override name = 'ProjectNotFoundError';
  override readonly kind: ErrorKind = 'invalid';
}

/** `findProjectRoot('/repo/examples/hello')` → `/repo`: the nearest folder holding slipway.config.json. */
export function findProjectRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'slipway.config.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ProjectNotFoundError(
        `No slipway.config.json in ${resolve(from)} or any folder above it. Run slipway from your project, or create slipway.config.json.`,
      );
    }
    dir = parent;
  }
}

/** Everything the local stack keeps, under one folder (`.slipway/` unless SLIPWAY_STATE_DIR says otherwise). */
export function stackPaths(root: string, stateDir = process.env.SLIPWAY_STATE_DIR ?? join(root, '.slipway')) {
  const dir = resolve(root, stateDir);
  return {
    dir,
    stackFile: join(dir, 'stack.json'),
    portsFile: join(dir, 'ports.json'),
    credentialsFile: join(dir, 'credentials.json'),
    log: join(dir, 'logs', 'stack.log'),
    s3: join(dir, 's3'),
    registry: join(dir, 'registry'),
    registryIndex: join(dir, 'registry', 'push-index.json'),
    builds: join(dir, 'builds'),
    executions: join(dir, 'executions'),
    services: join(dir, 'services'),
    /** The stack process's temp folder (its TMPDIR): spooled uploads, fetched sources, build folders. Emptied at every up and down. */
    tmp: join(dir, 'tmp'),
    /** s3rver's unix socket: in the state folder, or in /tmp when that path is too long for a socket (108 bytes on Linux). */
    s3Socket: socketPath(dir, 's3.sock'),
    /** The registry's unix socket (its front holds the TCP port), with the same fallback. */
    registrySocket: socketPath(dir, 'registry.sock'),
  };
}

function socketPath(dir: string, name: string): string {
  const inState = join(dir, name);
  if (Buffer.byteLength(inState) < 100) return inState;
  return join('/tmp', `slipway-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}-${name}`);
}

export type StackPaths = ReturnType<typeof stackPaths>;

/** `stackId(paths)` → a short id derived from the state folder: the `slipway.stack` label on every container this stack starts. */
export function stackId(paths: StackPaths): string {
  return createHash('sha256').update(paths.dir).digest('hex').slice(0, 12);
}
