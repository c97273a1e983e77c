import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
  const env = { ...process.env };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
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
export { unzipEntries as unzip } from '../../../serverless/zip.ts';
