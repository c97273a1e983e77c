import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The real `slipway` binary over the shared fixture cases, as a user runs it. Spawning costs about a
 * second each, so a handful of cases run here; lifecycle.test.ts runs every case in-process.
 */
const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'slipway.js');

interface FixtureCase {
  name: string;
  policy: unknown;
  now: string;
  images: { digest: string; tags: string[]; pushedAt: string }[];
  expectedExpired: string[];
  expectedAppliedRulePriority: Record<string, number>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/ecr-lifecycle-cases.json', import.meta.url), 'utf8'),
) as {
  cases: FixtureCase[];
  invalid: { name: string; policy: unknown }[];
};
const SAMPLE = [
  'doc-multiple-rules-example-A-pattern',
  'protected-by-higher-rule-not-expired-by-any',
  'age-boundary-exactly-N-days',
  'lower-rule-counts-images-expired-by-higher',
];

async function slipway(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(error),
    };
  }
}

describe('slipway lifecycle preview (the binary)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-lifecycle-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, value: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(value));
    return path;
  }

  it('covers cases that exist in the fixture', () => {
    expect(SAMPLE.filter((name) => !fixture.cases.some((c) => c.name === name))).toEqual([]);
  });

  it.each(fixture.cases.filter((c) => SAMPLE.includes(c.name)).map((c) => [c.name, c] as const))(
    '%s: exit 0 and the expected JSON',
    async (name, c) => {
      const policy = await write(`${name}.policy.json`, c.policy);
      const images = await write(`${name}.images.json`, c.images);

      const result = await slipway([
        'lifecycle',
        'preview',
        '--policy',
        policy,
        '--images',
        images,
        '--now',
        c.now,
        '--json',
      ]);

      expect(result.code, result.stderr).toBe(0);
      const printed = JSON.parse(result.stdout) as {
        expired: { digest: string; rulePriority: number }[];
        transitioned: unknown[];
        kept: { digest: string }[];
      };
      expect(Object.fromEntries(printed.expired.map((e) => [e.digest, e.rulePriority]))).toEqual(
        c.expectedAppliedRulePriority,
      );
      expect(printed.kept.map((k) => k.digest).sort()).toEqual(
        c.images
          .map((i) => i.digest)
          .filter((d) => !c.expectedExpired.includes(d))
          .sort(),
      );
      expect(printed.transitioned).toEqual([]);
    },
  );

  it('exits 2 on an invalid policy, with the validation errors and the file on stderr and nothing on stdout', async () => {
    const c = fixture.invalid[0]!;
    const policy = await write('invalid.policy.json', c.policy);
    const images = await write('invalid.images.json', fixture.cases[0]!.images);

    const result = await slipway([
      'lifecycle',
      'preview',
      '--policy',
      policy,
      '--images',
      images,
      '--now',
      '2026-01-15T12:00:00Z',
      '--json',
    ]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `slipway: The lifecycle policy in ${policy} is invalid; ECR would refuse it:\n  - policy.rules[`,
    );
  });

  it('exits 2 naming a policy file that does not exist', async () => {
    const images = await write('some.images.json', []);

    const result = await slipway([
      'lifecycle',
      'preview',
      '--policy',
      join(dir, 'missing.json'),
      '--images',
      images,
      '--json',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot read ${join(dir, 'missing.json')} (--policy)`);
  });
});
