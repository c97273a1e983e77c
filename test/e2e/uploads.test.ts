import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import type { UploadTicket } from '../../src/use-cases/create-upload.ts';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { helloCopy, lastLine, postForm, slipway, stackInfo, stateDirFor } from './support.ts';

/**
 * Upload limits on the real local stack. POST /uploads hands out a presigned POST whose policy caps
 * the size at the app's maxUploadBytes; the local S3 front enforces it as S3 does. The "capped" app of
 * slipway.config.json allows 64 KiB, so an over-size context is cheap to make.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
if (!dockerUp && !CI) console.warn('e2e skipped: the Docker engine is not answering (run npm run prereqs)');

const STATE_DIR = stateDirFor('uploads');
const cli = (args: string[]) => slipway(args, { stateDir: STATE_DIR });

async function ticketFor(app: string): Promise<UploadTicket> {
  const { api } = await stackInfo(STATE_DIR);
  const response = await fetch(`${api}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadTicket;
}

async function runCount(app: string): Promise<number> {
  const runs = await cli(['runs', '--app', app, '--json']);
  expect(runs.code, runs.stderr).toBe(0);
  return (JSON.parse(runs.stdout) as unknown[]).length;
}

/** The bucket as the stack's own credentials see it. */
async function contextStore(): Promise<S3ObjectStore> {
  const { s3, bucket } = await stackInfo(STATE_DIR);
  const credentials = JSON.parse(await readFile(join(STATE_DIR, 'credentials.json'), 'utf8'));
  return new S3ObjectStore({
    bucket,
    client: createS3Client({ endpoint: s3, region: 'us-east-1', credentials, forcePathStyle: true }),
  });
}

describe.skipIf(!dockerUp && !CI)('upload limits on the local stack', () => {
  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed). Run scripts/prereqs.sh.`,
      );
    await rm(STATE_DIR, { recursive: true, force: true });
    const up = await cli(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    expect((await cli(['local', 'down'])).code).toBe(0);
  });

  it("hands out a presigned POST whose policy caps the size at the app's limit", async () => {
    const capped = await ticketFor('capped');
    const hello = await ticketFor('hello');

    expect(capped.upload).toMatchObject({
      method: 'POST',
      maxBytes: 65536,
      fields: { key: capped.key, 'Content-Type': 'application/gzip' },
    });
    const policy = JSON.parse(Buffer.from(capped.upload.fields.Policy!, 'base64').toString('utf8')) as {
      conditions: unknown[];
    };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 65536],
        { key: capped.key },
        { 'Content-Type': 'application/gzip' },
      ]),
    );
    expect(hello.upload.maxBytes).toBe(500 * 1024 * 1024);
  });

  it('refuses a presigned POST over the cap with EntityTooLarge, stores nothing and starts no run', async () => {
    const before = await runCount('capped');
    const ticket = await ticketFor('capped');

    const response = await postForm(ticket.upload.url, ticket.upload.fields, randomBytes(ticket.upload.maxBytes + 1));

    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<Code>EntityTooLarge</Code>');
    expect(text).toContain(`<MaxSizeAllowed>${ticket.upload.maxBytes}</MaxSizeAllowed>`);
    expect(await (await contextStore()).head(ticket.key)).toBeUndefined();
    expect((await cli(['status', ticket.runId])).code).toBe(2);
    expect(await runCount('capped')).toBe(before);
  });

  it('refuses a context over the limit in the CLI before uploading, saying the size, the limit and what to do', async () => {
    const before = await runCount('capped');
    const dir = await helloCopy();
    await writeFile(join(dir, 'dataset.bin'), randomBytes(100 * 1024));

    const deploy = await cli(['deploy', dir, '--app', 'capped']);

    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(2);
    expect(deploy.stderr).toMatch(
      /The build context for app "capped" is 100\.\d KiB \(\d+ bytes\); the limit is 64\.0 KiB \(65536 bytes\)/,
    );
    expect(deploy.stderr).toContain('.dockerignore');
    expect(deploy.stdout).not.toContain('uploaded');
    expect(await runCount('capped')).toBe(before);
  });

  it('deploys the same folder once .dockerignore leaves the large file out', async () => {
    const dir = await helloCopy();
    await writeFile(join(dir, 'dataset.bin'), randomBytes(100 * 1024));
    await writeFile(join(dir, '.dockerignore'), `${await readFile(join(dir, '.dockerignore'), 'utf8')}\ndataset.bin\n`);

    const deploy = await cli(['deploy', dir, '--app', 'capped']);

    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(lastLine(deploy.stdout)).toMatch(/^url: http:\/\/127\.0\.0\.1:\d+$/);
  });
});
