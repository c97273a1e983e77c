import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import * as dashboard from '../../../src/cli/commands/dashboard.ts';
import * as deploy from '../../../src/cli/commands/deploy.ts';
import * as lifecycle from '../../../src/cli/commands/lifecycle.ts';
import * as local from '../../../src/cli/commands/local.ts';
import * as logs from '../../../src/cli/commands/logs.ts';
import * as rebuild from '../../../src/cli/commands/rebuild.ts';
import * as rollback from '../../../src/cli/commands/rollback.ts';
import * as runs from '../../../src/cli/commands/runs.ts';
import * as status from '../../../src/cli/commands/status.ts';
import { InvalidInputError } from '../../../src/domain/errors.ts';

/** A program like main.ts builds, with one command registered; commander's output is kept, not printed. */
function programWith(command: { register(program: Command): void }): { program: Command; output: string[] } {
  const output: string[] = [];
  const program = new Command('slipway')
    .exitOverride()
    .configureOutput({ writeOut: (text) => void output.push(text), writeErr: (text) => void output.push(text) });
  command.register(program);
  return { program, output };
}

async function parse(command: { register(program: Command): void }, args: string[]): Promise<unknown> {
  return programWith(command)
    .program.parseAsync(args, { from: 'user' })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

describe('command registration', () => {
  it.each([
    ['deploy', deploy, ['--app', '--json', '--no-follow', '--rebuild']],
    ['rollback', rollback, ['--app', '--to', '--json']],
    ['rebuild', rebuild, ['--app', '--from', '--follow', '--json']],
    ['runs', runs, ['--app', '--limit', '--json']],
    ['status', status, ['--json', '--follow']],
    ['logs', logs, ['--follow', '--json']],
    ['dashboard', dashboard, ['--port']],
  ] as const)('%s declares its own flags', (name, command, flags) => {
    const { program } = programWith(command);

    const registered = program.commands.find((c) => c.name() === name);

    expect(registered?.options.map((o) => o.long)).toEqual(flags);
  });

  it.each([
    ['lifecycle', lifecycle, ['render', 'preview']],
    ['local', local, ['up', 'down', 'status']],
  ] as const)('%s declares its subcommands', (name, command, subcommands) => {
    const { program } = programWith(command);

    expect(program.commands.find((c) => c.name() === name)?.commands.map((c) => c.name())).toEqual(subcommands);
  });
});

describe('flag checks', () => {
  it.each(['0', '101', '-1', '2.5', 'ten', ''])('runs refuses --limit %j before calling the API', async (limit) => {
    const error = await parse(runs, ['runs', '--limit', limit]);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`--limit must be a whole number from 1 to 100 (got "${limit}").`);
  });

  it.each([
    ['1', 1],
    ['20', 20],
    ['100', 100],
  ])('runs takes --limit %s', (text, limit) => {
    expect(runs.parseLimit(text)).toBe(limit);
  });

  it.each(['65536', '-1', '80.5', 'http'])('dashboard refuses --port %j', async (port) => {
    const error = await parse(dashboard, ['dashboard', '--port', port]);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`--port must be a port number from 0 to 65535 (got "${port}").`);
  });

  it.each([
    ['0', 0],
    ['7430', 7430],
    ['65535', 65535],
  ])('dashboard takes --port %s', (text, port) => {
    expect(dashboard.parsePort(text)).toBe(port);
  });

  it('shows the defaults in help', async () => {
    const { program, output } = programWith(runs);

    await program.parseAsync(['runs', '--help'], { from: 'user' }).catch(() => undefined);

    expect(output.join('')).toContain('-n, --limit <n>   how many, from 1 to 100 (default: 20)');
  });
});
