import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
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
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  await promisify(execFile)('npm', ['run', 'package', '--', '--package', dir], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template };
}

/** The entries of a zip file, by name: see serverless/zip.ts. */
export { unzipEntries as unzip } from '../../../serverless/zip.ts';
