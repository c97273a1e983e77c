import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipEntries } from '../../../serverless/zip.ts';

export const ROOT = join(import.meta.dirname, '../../..');

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  Parameters?: Record<string, unknown>;
}

/**
 * Runs `npm run package` (osls + serverless-esbuild, offline, no credentials) into a fresh folder,
 * as CI does on a clean clone, and returns where the artifacts are.
 */
export async function packageStack(): Promise<{ dir: string; template: Template }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-package-'));
  // No credentials, from the environment or the home folder: packaging is offline, whatever the machine has.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ])
    delete env[name];
  await packagingLock(() =>
    promisify(execFile)('npm', ['run', 'package', '--', '--package', dir], {
      cwd: ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }),
  );
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { dir, template };
}

/**
 * One packaging of this checkout at a time: serverless-esbuild builds in the repository's own
 * `.esbuild/` folder, so two test files packaging at once (vitest runs files in parallel) would
 * build over each other. A directory is the lock (mkdir is atomic); a lock older than 10 minutes
 * was left by a killed run.
 */
async function packagingLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `slipway-package-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age =
        Date.now() -
        (await stat(lock).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`Another packaging of ${ROOT} held ${lock} for 5 minutes.`);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** The entries of a zip file, by name: see serverless/zip.ts. */
export { unzipEntries as unzip };

/** Writes a zip's files under `dir`, as Lambda extracts a function to /var/task and a layer to /opt. */
export async function unzipTo(zip: string, dir: string): Promise<void> {
  for (const [name, data] of unzipEntries(await readFile(zip))) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), data);
  }
}

/** Node's arguments that load a function's `/opt/…` imports from `opt`, where a test unzipped the layer. */
export function layerAt(opt: string): string[] {
  const hooks = pathToFileURL(join(import.meta.dirname, 'opt-hooks.mjs')).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)}, { data: { opt: ${JSON.stringify(opt)} } });`;
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}
