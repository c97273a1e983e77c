import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * bin/slipway.js runs the CLI bundle with V8's code cache, one per command, beside the bundle. The real
 * binary, as a user runs it: a cache is written once the command has run, and a cache V8 refuses (another
 * Node, or damaged) is replaced rather than failing the command.
 */
const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'slipway.js');
const BUNDLES = join(ROOT, 'node_modules', '.cache', 'slipway');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const version = async () => (await exec(process.execPath, [BIN, '--version'], { cwd: ROOT })).stdout.trim();

/** The folder of the bundle the last command ran (bin/slipway.js keeps older ones a while for commands still running). */
function newestBundle(): string {
  const folders = readdirSync(BUNDLES)
    .filter((name) => /^cli-\d+$/.test(name))
    .map((name) => join(BUNDLES, name));
  return folders.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}

describe('CLI code cache', () => {
  it("writes the command's cache when it runs, and replaces one V8 refuses without failing the command", async () => {
    expect(await version()).toBe(VERSION);
    const cache = join(newestBundle(), 'main.cjs.other.cache'); // `--version` is no command: "other"
    expect(statSync(cache).size).toBeGreaterThan(1000);

    writeFileSync(cache, 'not a code cache');
    expect(await version()).toBe(VERSION);
    expect(statSync(cache).size).toBeGreaterThan(1000);
  }, 60_000);
});
