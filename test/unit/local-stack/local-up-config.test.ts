import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../../bin/slipway.js');

async function localUpIn(config: string): Promise<{ code: number; stderr: string }> {
  const project = await mkdtemp(join(tmpdir(), 'slipway-bad-config-'));
  await writeFile(join(project, 'slipway.config.json'), config);
  try {
    await exec(process.execPath, [BIN, 'local', 'up'], {
      cwd: project,
      env: { ...process.env, SLIPWAY_STATE_DIR: join(project, '.slipway') },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('slipway local up', () => {
  it('exits 2 naming the file when slipway.config.json is not JSON', async () => {
    const { code, stderr } = await localUpIn('{ "apps": ');
    expect(code).toBe(2);
    expect(stderr).toMatch(/slipway\.config\.json is not valid JSON/);
  }, 60_000);

  it('exits 2 when slipway.config.json does not match the schema', async () => {
    const { code, stderr } = await localUpIn('{ "apps": 42 }');
    expect(code).toBe(2);
    expect(stderr).toMatch(/slipway\.config\.json/);
  }, 60_000);
});
