import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { errorKind } from '../domain/errors.ts';
import { binPath } from './bin-path.ts';
import * as apps from './commands/apps.ts';
import * as dashboard from './commands/dashboard.ts';
import * as deploy from './commands/deploy.ts';
import * as lifecycle from './commands/lifecycle.ts';
import * as local from './commands/local.ts';
import * as logs from './commands/logs.ts';
import * as rebuild from './commands/rebuild.ts';
import * as rollback from './commands/rollback.ts';
import * as runs from './commands/runs.ts';
import * as status from './commands/status.ts';
import { exitCodeOf } from './exit-codes.ts';

/**
 * Each command declares its own flags and checks them (src/cli/commands/<name>.ts); this file only
 * registers them and turns a failure into an exit code. A command's heavy parts (the AWS SDK, tar,
 * the live view) load when it runs, so `slipway --help` and the light commands start fast.
 */
const COMMANDS: readonly { register(program: Command): void }[] = [
  deploy,
  rollback,
  rebuild,
  apps,
  runs,
  status,
  logs,
  lifecycle,
  dashboard,
  local,
];

const program = new Command('slipway')
  .description(
    'Build a Docker context, push it to a private registry, tidy it, and roll it out — in AWS or on the local stack.',
  )
  .version(packageVersion(), '-v, --version')
  .showHelpAfterError()
  .exitOverride();
// Subcommands copy these settings when they are created: set them before registering.
for (const command of COMMANDS) command.register(program);

// `slipway runs --json | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// No top-level await: the bundle bin/slipway.js runs is a script (CommonJS), which V8 can cache compiled.
program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = report(error);
});

/** Says what failed (commander has already printed its own usage errors) and picks the exit code by the error's kind. */
function report(error: unknown): number {
  const code = exitCodeOf(error);
  if (error instanceof CommanderError) return code;
  process.stderr.write(`slipway: ${error instanceof Error ? error.message : String(error)}\n`);
  if (errorKind(error) === 'internal' && process.env.SLIPWAY_DEBUG)
    process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return code;
}

/** The version in package.json, next to bin/. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(dirname(binPath()), '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}
