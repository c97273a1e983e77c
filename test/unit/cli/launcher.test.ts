import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const LAUNCHER = resolve(import.meta.dirname, '../../../bin/slipway');

/**
 * bin/slipway, `slipway` on PATH, starts Node without NODE_EXTRA_CA_CERTS unless the command may open TLS
 * connections (SLIPWAY_API_URL names a deployed stack), and bin/slipway.js puts the variable back for what it
 * starts. A `--require` preload records the environment Node started with (which decides whether Node loaded
 * the certificates) and the one the CLI leaves to its children, when it exits.
 */
let work: string;
let certs: string;
let preload: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-launcher-'));
  certs = join(work, 'extra-ca.pem');
  await writeFile(certs, `${rootCertificates[0]}\n`);
  preload = join(work, 'record-env.cjs');
  await writeFile(
    preload,
    `const { writeFileSync } = require('node:fs');
const read = () => ({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, deferred: process.env.SLIPWAY_DEFERRED_EXTRA_CA_CERTS ?? null });
const atStart = read();
process.on('exit', () => writeFileSync(process.env.RECORD_ENV_TO, JSON.stringify({ atStart, atExit: read() })));
`,
  );
  // As npm links a package's command: node_modules/.bin/slipway → ../slipway/bin/slipway, relative.
  await mkdir(join(work, 'bin'));
  await symlink(relative(join(work, 'bin'), LAUNCHER), join(work, 'bin', 'slipway'));
});

interface Seen {
  atStart: { extra: string | null; deferred: string | null };
  atExit: { extra: string | null; deferred: string | null };
}

async function launch(command: string, env: Record<string, string>): Promise<Seen> {
  const record = join(work, `seen-${Math.random().toString(36).slice(2)}.json`);
  const { NODE_EXTRA_CA_CERTS: _extra, SLIPWAY_API_URL: _api, ...rest } = process.env;
  const { stdout } = await exec(command, ['--version'], {
    env: { ...rest, ...env, NODE_OPTIONS: `--require ${preload}`, RECORD_ENV_TO: record },
    timeout: 60_000,
  });
  expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  return JSON.parse(await readFile(record, 'utf8')) as Seen;
}

describe('bin/slipway', () => {
  it.each([
    {
      when: 'NODE_EXTRA_CA_CERTS is set for a local-stack command: Node starts without it, the CLI gives it back',
      env: () => ({ NODE_EXTRA_CA_CERTS: certs }),
      atStart: () => ({ extra: null, deferred: certs }),
    },
    {
      when: 'SLIPWAY_API_URL names a deployed stack (TLS): Node starts with NODE_EXTRA_CA_CERTS',
      env: () => ({
        NODE_EXTRA_CA_CERTS: certs,
        SLIPWAY_API_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      }),
      atStart: () => ({ extra: certs, deferred: null }),
    },
    {
      when: 'NODE_EXTRA_CA_CERTS is set but empty: deferred and given back as it was',
      env: () => ({ NODE_EXTRA_CA_CERTS: '' }),
      atStart: () => ({ extra: null, deferred: '' }),
    },
    {
      when: 'NODE_EXTRA_CA_CERTS is not set: nothing to defer, nothing added',
      env: () => ({}),
      atStart: () => ({ extra: null, deferred: null }),
    },
  ])(
    '$when',
    async ({ env, atStart }) => {
      const given = env() as { NODE_EXTRA_CA_CERTS?: string };
      for (const command of [LAUNCHER, join(work, 'bin', 'slipway')]) {
        const seen = await launch(command, given);
        expect(seen.atStart).toEqual(atStart());
        // What every process the CLI starts inherits: exactly what the user gave.
        expect(seen.atExit).toEqual({ extra: given.NODE_EXTRA_CA_CERTS ?? null, deferred: null });
      }
    },
    60_000,
  );
});
