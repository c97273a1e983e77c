import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { errorKind, InvalidInputError } from '../domain/errors.ts';
import { apiClient } from './api-client.ts';
import { binPath } from './bin-path.ts';
import { exitCodeOf } from './exit-codes.ts';
import { createOutput } from './output.ts';

// Each command's module is imported when it runs: the AWS SDK, tar and the rest load only for the commands that need them.

/** Exit codes by the failure's kind: src/cli/exit-codes.ts. */
const program = new Command('slipway')
  .description('Build a Docker context, push it to a private registry, tidy it, and roll it out — in AWS or on the local stack.')
  .version(packageVersion(), '-v, --version')
  .showHelpAfterError()
  .exitOverride();

const exit = (code: number) => {
  process.exitCode = code;
};

program
  .command('deploy')
  .description('pack <dir> (honouring .dockerignore), upload it, and follow the run until the service serves it')
  .argument('<dir>', 'the build context: the folder with the Dockerfile')
  .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
  .option('--json', 'one JSON event per line instead of text')
  .option('--no-follow', 'return once the context is uploaded')
  .action(async (dir: string, opts: { app: string; json?: boolean; follow: boolean }) => {
    const out = createOutput(Boolean(opts.json));
    exit(await (await import('./commands/deploy.ts')).run({ dir, app: opts.app, follow: opts.follow }, { client: await apiClient(), out }));
  });

program
  .command('rollback')
  .description('deploy the image of an earlier successful run again, as a new run, without building')
  .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
  .option('--to <runId>', 'the run to go back to (default: the newest successful run before what serves now)')
  .option('--json', 'one JSON event per line instead of text')
  .action(async (opts: { app: string; to?: string; json?: boolean }) => {
    const out = createOutput(Boolean(opts.json));
    exit(await (await import('./commands/rollback.ts')).run({ app: opts.app, ...(opts.to && { to: opts.to }) }, { client: await apiClient(), out }));
  });

program
  .command('rebuild')
  .description('rebuild an app from its newest (or a given run\'s) context, without uploading: puts slipway / Build Requested on the bus')
  .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
  .option('--from <runId>', 'rebuild the context of this run')
  .option('-f, --follow', 'follow the run until it ends')
  .option('--json', 'one JSON event per line')
  .action(async (opts: { app: string; from?: string; follow?: boolean; json?: boolean }) => {
    const eventBridge = Boolean(process.env.SLIPWAY_API_URL);
    const options = { app: opts.app, follow: Boolean(opts.follow), eventBridge, ...(opts.from && { from: opts.from }), ...(process.env.SLIPWAY_EVENT_BUS && { eventBusName: process.env.SLIPWAY_EVENT_BUS }) };
    exit(await (await import('./commands/rebuild.ts')).run(options, { client: await apiClient(), out: createOutput(Boolean(opts.json)) }));
  });

program
  .command('runs')
  .description('list runs, newest first')
  .option('-a, --app <name>', 'only this app')
  .option('-n, --limit <n>', 'how many', '20')
  .option('--json', 'print JSON')
  .action(async (opts: { app?: string; limit: string; json?: boolean }) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidInputError(`--limit must be a whole number from 1 to 100 (got "${opts.limit}").`);
    exit(await (await import('./commands/runs.ts')).run({ ...(opts.app && { app: opts.app }), limit, json: Boolean(opts.json) }, { client: await apiClient(), out: createOutput(Boolean(opts.json)) }));
  });

program
  .command('status')
  .description('show one run: its steps, image, deployment and error')
  .argument('<runId>', 'the run id (from deploy or runs)')
  .option('--json', 'print JSON (with --follow: one JSON event per line)')
  .option('-f, --follow', 'show the run live until it ends, with its build output')
  .action(async (runId: string, opts: { json?: boolean; follow?: boolean }) => {
    exit(await (await import('./commands/status.ts')).run({ runId, json: Boolean(opts.json), follow: Boolean(opts.follow) }, { client: await apiClient(), out: createOutput(Boolean(opts.json)) }));
  });

program
  .command('logs')
  .description("print a run's build output")
  .argument('<runId>', 'the run id')
  .option('-f, --follow', 'keep printing until the build ends')
  .option('--json', 'one JSON event per line')
  .action(async (runId: string, opts: { follow?: boolean; json?: boolean }) => {
    exit(await (await import('./commands/logs.ts')).run({ runId, follow: Boolean(opts.follow), json: Boolean(opts.json) }, { client: await apiClient(), out: createOutput(Boolean(opts.json)) }));
  });

const lifecycleGroup = program.command('lifecycle').description('ECR lifecycle policies: the policy an app gets, and what it would expire');
lifecycleGroup
  .command('render')
  .description("print the ECR lifecycle policy JSON Slipway puts on the app's repository (the keepReleases rule first)")
  .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
  .action(async (opts: { app: string }) => exit(await (await import('./commands/lifecycle.ts')).run({ action: 'render', app: opts.app }, (await import('./commands/lifecycle.ts')).cliDependencies(false))));
lifecycleGroup
  .command('preview')
  .description("show what a lifecycle policy would expire: in an app's live repository (--app), or offline (--policy, --images)")
  .option('-a, --app <name>', 'the app in slipway.config.json: preview against its repository')
  .option('--policy <file>', 'offline: awsx-style rules or a raw ECR policy, as JSON')
  .option('--images <file>', 'offline: a JSON list of { digest, tags, pushedAt, … }')
  .option('--now <iso>', 'offline: the time to evaluate at (default: now)')
  .option('--json', 'print { expired, transitioned, kept } as JSON')
  .action(async (opts: { app?: string; policy?: string; images?: string; now?: string; json?: boolean }) =>
    exit(await (await import('./commands/lifecycle.ts')).run({ action: 'preview', ...opts, json: Boolean(opts.json) }, (await import('./commands/lifecycle.ts')).cliDependencies(Boolean(opts.json)))),
  );

program
  .command('dashboard')
  .description('where to open the dashboard; for a deployed API, a local proxy that signs its requests (IAM authorization)')
  .option('-p, --port <port>', 'the proxy\'s port on 127.0.0.1 (deployed API only)', '7430')
  .action(async (opts: { port: string }) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInputError(`--port must be a port number (got "${opts.port}").`);
    exit(await (await import('./commands/dashboard.ts')).run({ port }, { client: await apiClient(), out: createOutput(false) }));
  });

const localCommand = program.command('local').description('the local stack: the whole pipeline on this machine');
localCommand
  .command('up')
  .description('start the local stack in the background (does nothing if it is running) and print its endpoints')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => exit(await (await import('./commands/local.ts')).up({ json: Boolean(opts.json) }, { out: createOutput(false) })));
localCommand
  .command('down')
  .description('stop every process and container the local stack started')
  .action(async () => exit(await (await import('./commands/local.ts')).down({}, { out: createOutput(false) })));
localCommand
  .command('status')
  .description('print the running stack\'s endpoints (exit 1 when it is not running)')
  .option('--json', 'print JSON: { running, api, s3, registry, … }')
  .action(async (opts: { json?: boolean }) => exit(await (await import('./commands/local.ts')).status({ json: Boolean(opts.json) }, { out: createOutput(false) })));
localCommand
  .command('serve', { hidden: true })
  .description('run the local stack in the foreground (what `local up` starts)')
  .action(async () => exit(await (await import('./commands/local.ts')).serve()));

// `slipway runs --json | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

/** Says what failed (commander has already printed its own usage errors) and picks the exit code by the error's kind. */
function report(error: unknown): number {
  const code = exitCodeOf(error);
  if (error instanceof CommanderError) return code;
  process.stderr.write(`slipway: ${error instanceof Error ? error.message : String(error)}\n`);
  if (errorKind(error) === 'internal' && process.env.SLIPWAY_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return code;
}

/** The version in package.json, next to bin/. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(dirname(binPath()), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
