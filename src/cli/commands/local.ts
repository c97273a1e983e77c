import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { SlipwayError, type ErrorKind } from '../../domain/errors.ts';
import { findProjectRoot, stackId, stackPaths, type StackPaths } from '../../local-stack/paths.ts';
import { isAlive, readStackInfo, removeStackInfo, type StackInfo } from '../../local-stack/stack-file.ts';
import { binPath } from '../bin-path.ts';
import { createOutput, type Output } from '../output.ts';

export class LocalStackError extends SlipwayError {
  override name = 'LocalStackError';
  override readonly kind: ErrorKind = 'unavailable';
}

export function register(program: Command): void {
  const local = program.command('local').description('the local stack: the whole pipeline on this machine');
  local
    .command('up')
    .description('start the local stack in the background (does nothing if it is running) and print its endpoints')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      process.exitCode = await up({ json: Boolean(flags.json) }, { out: createOutput(false) });
    });
  local
    .command('down')
    .description('stop every process and container the local stack started')
    .action(async () => {
      process.exitCode = await down({}, { out: createOutput(false) });
    });
  local
    .command('status')
    .description("print the running stack's endpoints (exit 1 when it is not running)")
    .option('--json', 'print JSON: { running, api, s3, registry, … }')
    .action(async (flags: { json?: boolean }) => {
      process.exitCode = await status({ json: Boolean(flags.json) }, { out: createOutput(false) });
    });
  // `local serve` (what `up` starts in the background) is the local stack's own process: bin/slipway.js
  // runs src/wiring/serve-local.ts for it, since the CLI does not import the wiring.
}

/** `slipway local up`: start the stack in the background (or find it running) and print its endpoints. */
export async function up(options: { json: boolean }, deps: { out: Output }): Promise<number> {
  const root = findProjectRoot();
  const paths = stackPaths(root);
  // Checked here as well as in the stack's process: a malformed config is bad input (exit 2), not a stack that failed to start.
  const { readConfigFile } = await import('../../config-file.ts');
  readConfigFile(join(root, 'slipway.config.json'));
  const running = await runningStack(paths);
  if (running) {
    print(running, options.json, deps.out, 'already running');
    return 0;
  }
  const [{ spawn }, { DOCKER, dockerAnswers }] = await Promise.all([
    import('node:child_process'),
    import('../../local-stack/engine.ts'),
  ]);
  if (!(await dockerAnswers())) {
    throw new LocalStackError(
      `The Docker engine is not answering (${DOCKER} info failed). Run: npm run prereqs (installs and starts it on Debian), or start Docker yourself.`,
    );
  }
  await mkdir(dirname(paths.log), { recursive: true });
  const log = await open(paths.log, 'a');
  const child = spawn(process.execPath, [binPath(), 'local', 'serve'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: process.env,
  });
  child.unref();
  await log.close();
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? 1));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exitCode !== null)
      throw new LocalStackError(
        `The local stack exited while starting (code ${exitCode}). Last log lines:\n${await tail(paths.log, 15)}`,
      );
    const info = await readStackInfo(paths);
    if (info && info.pid === child.pid && (await healthy(info))) {
      print(info, options.json, deps.out, 'started');
      return 0;
    }
    await sleep(200);
  }
  throw new LocalStackError(`The local stack did not come up within 90s. See ${paths.log}.`);
}

/** `slipway local down`: stop every process and container the stack started, and nothing else; remove its temp folder and socket. */
export async function down(_options: unknown, deps: { out: Output }): Promise<number> {
  const [{ dockerAnswers, removeStackContainers }, { reapOrphans }, { runsCommand, stopProcess }] = await Promise.all([
    import('../../local-stack/engine.ts'),
    import('../../local-stack/orphans.ts'),
    import('../../local-stack/processes.ts'),
  ]);
  const paths = stackPaths(findProjectRoot());
  const info = await readStackInfo(paths);
  // A stack.json left by a crash or a reboot may name pids that now belong to something else: signal
  // a process only when its command line shows it is this stack's.
  if (info && isAlive(info.pid) && (await runsCommand(info.pid, ['local', 'serve'])))
    await stopProcess(info.pid, { graceMs: 30_000 });
  // Whatever a stack that died without cleaning up left behind: its registry, builds, temp folder, socket and containers.
  const reaped = await reapOrphans(paths);
  const stack = info?.stack ?? stackId(paths);
  const removed = (await dockerAnswers()) ? await removeStackContainers(stack) : 0;
  await removeStackInfo(paths);
  await rm(paths.tmp, { recursive: true, force: true });
  for (const line of reaped) deps.out.line(line);
  deps.out.line(
    info
      ? `local stack stopped${removed ? ` (removed ${removed} leftover container(s))` : ''}`
      : 'local stack was not running',
  );
  return 0;
}

/** `slipway local status [--json]`: the endpoints of the running stack; exit 1 when it is not running. */
export async function status(options: { json: boolean }, deps: { out: Output }): Promise<number> {
  const paths = stackPaths(findProjectRoot());
  const info = await runningStack(paths);
  if (!info) {
    if (options.json) process.stdout.write(`${JSON.stringify({ running: false })}\n`);
    else deps.out.line('local stack: not running (start it with: slipway local up)');
    return 1;
  }
  print(info, options.json, deps.out, 'running', await partsHealth(info));
  return 0;
}

type PartHealth = { ok: boolean; reason?: string; restarts?: number; lastExit?: string; pid?: number };

/** How each part of the running stack is (API, S3, registry, containers), as its /_local/health says. */
async function partsHealth(info: StackInfo): Promise<Record<string, PartHealth> | undefined> {
  try {
    const body = (await (await fetch(`${info.api}/_local/health`, { signal: AbortSignal.timeout(10_000) })).json()) as {
      parts?: Record<string, PartHealth>;
    };
    return body.parts;
  } catch {
    return undefined;
  }
}

/** `api ok · s3 ok · registry ok (restarted 1×; last exit signal SIGKILL) · containers DOWN (the Docker engine does not answer)` */
function healthLine(parts: Record<string, PartHealth>): string {
  return Object.entries(parts)
    .map(([part, health]) => {
      const notes = [
        health.restarts ? `restarted ${health.restarts}×` : '',
        health.lastExit ? `last exit ${health.lastExit}` : '',
        health.reason ?? '',
      ].filter(Boolean);
      return `${part} ${health.ok ? 'ok' : 'DOWN'}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    })
    .join(' · ');
}

async function runningStack(paths: StackPaths): Promise<StackInfo | undefined> {
  const info = await readStackInfo(paths);
  if (!info || !isAlive(info.pid)) return undefined;
  return (await healthy(info)) ? info : undefined;
}

async function healthy(info: StackInfo): Promise<boolean> {
  try {
    return (await fetch(`${info.api}/_local/health`)).ok;
  } catch {
    return false;
  }
}

function print(info: StackInfo, json: boolean, out: Output, state: string, health?: Record<string, PartHealth>): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ running: true, ...info, ...(health && { health }) }, null, 2)}\n`);
    return;
  }
  if (state === 'started') for (const notice of info.notices ?? []) out.line(`note: ${notice}`);
  out.line(`local stack ${state} (pid ${info.pid})`);
  out.line(`  api:       ${info.api}`);
  out.line(`  dashboard: ${info.api}/`);
  out.line(`  s3:        ${info.s3} (bucket ${info.bucket})`);
  out.line(`  registry:  ${info.registry}`);
  out.line(`  state:     ${info.stateDir}`);
  out.line(`  log:       ${info.log}`);
  if (health) out.line(`  health:    ${healthLine(health)}`);
  out.line('stop it with: npx slipway local down');
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
