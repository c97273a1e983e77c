import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { run } from '../../../src/cli/commands/deploy.ts';
import { exitCodeOf } from '../../../src/cli/exit-codes.ts';
import type { Output } from '../../../src/cli/output.ts';
import { ContextDirectoryError } from '../../../src/cli/pack.ts';

const out: Output = { json: false, line: () => undefined, event: () => undefined, error: () => undefined };

/** No stack is running: asking for the API fails as it does then (exit 3), so a test passing shows the folder was refused first. */
const noStack = async (): Promise<ApiClient> => {
  throw Object.assign(new Error('The local stack is not running.'), { kind: 'unavailable' });
};

async function deployExitCode(dir: string): Promise<{ code: number; error: unknown }> {
  const error = await run({ dir, app: 'hello', follow: false }, { client: noStack, out }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { code: exitCodeOf(error), error };
}

describe('deploy of a folder with nothing to build', () => {
  it('exits 2 for a missing folder, even with no stack running', async () => {
    const { code, error } = await deployExitCode(join(tmpdir(), 'slipway-no-such-folder'));
    expect(error).toBeInstanceOf(ContextDirectoryError);
    expect((error as Error).message).toMatch(/is not a folder/);
    expect(code).toBe(2);
  });

  it('exits 2 for an empty folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-empty-'));
    const { code, error } = await deployExitCode(dir);
    expect((error as Error).message).toMatch(/nothing to build/);
    expect(code).toBe(2);
  });

  it('exits 2 for a folder its .dockerignore excludes entirely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-ignored-'));
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'main.js'), 'console.log(1)\n');
    await writeFile(join(dir, '.dockerignore'), '*\n');
    const { code, error } = await deployExitCode(dir);
    expect((error as Error).message).toMatch(/\.dockerignore excludes everything/);
    expect(code).toBe(2);
  });
});
