import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const exec = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'slipway.js');

/** The e2e suite's own state folder, so it never touches a stack the developer has running. */
export const STATE_DIR = process.env.SLIPWAY_E2E_STATE_DIR ?? join(tmpdir(), `slipway-e2e-${process.pid}`);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A state folder of its own for an e2e file that brings up its own stack: `stateDirFor('lifecycle')`. */
export function stateDirFor(name: string): string {
  return join(tmpdir(), `slipway-e2e-${name}-${process.pid}`);
}

/**
 * Run the real CLI as a user would, from the repository root (or `cwd`, a project with its own slipway.config.json),
 * against the stack in `stateDir` (default STATE_DIR).
 */
export async function slipway(
  args: string[],
  options: { timeoutMs?: number; stateDir?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env, SLIPWAY_STATE_DIR: options.stateDir ?? STATE_DIR },
      timeout: options.timeoutMs ?? 170_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    const stderr = e.stderr ?? String(error);
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      // A stack that stopped answering mid-test: its own last words go with the failure, since the
      // test's clean-up removes its state folder (and its log) before anyone can read it.
      stderr: /did not answer/.test(stderr)
        ? `${stderr}\n--- last lines of the stack's log ---\n${await stackLogTail(options.stateDir ?? STATE_DIR)}`
        : stderr,
    };
  }
}

async function stackLogTail(stateDir: string, lines = 40): Promise<string> {
  const log = await readFile(join(stateDir, 'logs', 'stack.log'), 'utf8').catch((error: unknown) => String(error));
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A project folder of its own in a temp folder, holding only `config` as its slipway.config.json (the local
 * stack reads serverless.yml and buildspec/ from Slipway's own folder). Run the CLI there with `cwd`.
 */
export async function projectWith(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-project-'));
  await writeFile(join(dir, 'slipway.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/** A copy of examples/hello the test may edit. */
export async function helloCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-hello-'));
  await cp(join(ROOT, 'examples', 'hello'), dir, { recursive: true });
  return dir;
}

export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

export async function stackInfo(stateDir = STATE_DIR): Promise<{
  pid: number;
  api: string;
  s3: string;
  bucket: string;
  registry: string;
  registryPid: number;
  stack: string;
}> {
  return JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8'));
}

/** POST a browser-style form to a presigned POST: its fields in order, then `file` as the last part. */
export async function postForm(
  url: string,
  fields: Record<string, string>,
  file: string | Uint8Array,
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: 'application/gzip' }), 'context.tar.gz');
  return fetch(url, { method: 'POST', body: form });
}

/** GET the URL until it answers `expected`, or fail at the deadline with what it last answered. */
export async function expectServes(url: string, expected: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      last = `${response.status} ${await response.text()}`;
      if (response.ok && last.endsWith(expected)) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  throw new Error(`${url} does not serve ${JSON.stringify(expected)}; it answered: ${last}`);
}
