import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretSource } from '../../../../src/adapters/local/container-service/index.ts';
import { redact } from '../../../../src/adapters/local/container-service/secrets.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';

describe('LocalSecretSource', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-secrets-unit-'));
    file = join(dir, 'secrets.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'the environment over the file',
      { SLIPWAY_SECRET_DB: 'from-env' },
      { [ARN]: 'by-arn', DB: 'by-name' },
      'from-env',
    ],
    ['the file entry for the ARN over the one for the name', {}, { [ARN]: 'by-arn', DB: 'by-name' }, 'by-arn'],
    ['the file entry for the variable name', {}, { DB: 'by-name' }, 'by-name'],
    ['an empty value from the environment', { SLIPWAY_SECRET_DB: '' }, {}, ''],
    ['nothing when neither has it', { SLIPWAY_SECRET_OTHER: 'x' }, { OTHER: 'y' }, undefined],
  ])('resolves %s', async (_case, env, values, expected) => {
    await writeFile(file, JSON.stringify(values));

    expect(await new LocalSecretSource({ file, env }).resolve('DB', ARN)).toBe(expected);
  });

  it('resolves nothing when the file does not exist', async () => {
    expect(
      await new LocalSecretSource({ file: join(dir, 'missing.json'), env: {} }).resolve('DB', ARN),
    ).toBeUndefined();
  });

  it('reads the file again at every resolve', async () => {
    const source = new LocalSecretSource({ file, env: {} });
    await writeFile(file, '{}');
    await source.resolve('DB', ARN);

    await writeFile(file, JSON.stringify({ [ARN]: 'added later' }));

    expect(await source.resolve('DB', ARN)).toBe('added later');
  });

  it('rejects a file that is not JSON without quoting it', async () => {
    await writeFile(file, '{ "DB": hunter2 }');

    const resolving = new LocalSecretSource({ file, env: {} }).resolve('DB', ARN);

    await expect(resolving).rejects.toMatchObject({
      name: 'InvalidSecretsFileError',
      kind: 'invalid',
      message: expect.stringContaining(`${file} is not valid JSON`),
    });
    await expect(resolving).rejects.not.toMatchObject({ message: expect.stringContaining('hunter2') });
  });

  it.each([
    ['an array', '["hunter2"]', 'is not a JSON object'],
    ['a value that is not a string', '{ "DB": 42 }', 'has a value that is not a string (key "DB")'],
  ])('rejects a file holding %s', async (_case, text, problem) => {
    await writeFile(file, text);

    await expect(new LocalSecretSource({ file, env: {} }).resolve('DB', ARN)).rejects.toMatchObject({
      message: expect.stringContaining(problem),
    });
  });

  // A folder where the file should be: unreadable for root too (root reads any file whatever its mode).
  it('rejects a file it cannot read, naming it', async () => {
    await mkdir(file);

    await expect(new LocalSecretSource({ file, env: {} }).resolve('DB', ARN)).rejects.toMatchObject({
      message: expect.stringContaining(`${file} cannot be read (EISDIR)`),
    });
  });

  it('says where a value goes: the file under the ARN, or the environment variable', () => {
    expect(new LocalSecretSource({ file, env: {} }).where('DB', ARN)).toBe(
      `Add "${ARN}": "<value>" to ${file}, or set SLIPWAY_SECRET_DB in the environment of the local stack`,
    );
  });
});

describe('redact', () => {
  it.each([
    ['every occurrence', 'a hunter2 b hunter2', ['hunter2'], 'a *** b ***'],
    ['each value', 'user=alice pass=hunter2', ['alice', 'hunter2'], 'user=*** pass=***'],
    ['nothing for values too short to mask without garbling the text', 'a b c', ['a', ''], 'a b c'],
  ])('masks %s', (_case, text, values, expected) => {
    expect(redact(text, values)).toBe(expected);
  });
});
