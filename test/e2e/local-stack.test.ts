import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { isAlive } from '../../src/local-stack/stack-file.ts';
import type { UploadTicket } from '../../src/use-cases/create-upload.ts';
import { expectServes, helloCopy, lastLine, postForm, ROOT, slipway, STATE_DIR, stackInfo } from './support.ts';

const exec = promisify(execFile);

/** The presigned POST's fields with its policy pinned to another key (the signature left as it was). */
function withPolicyKey(fields: Record<string, string>, key: string): Record<string, string> {
  const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
  policy.conditions = policy.conditions.map((condition) =>
    typeof condition === 'object' && condition !== null && 'key' in condition ? { key } : condition,
  );
  return { ...fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') };
}
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
if (!dockerUp && !CI) console.warn('e2e skipped: the Docker engine is not answering (run npm run prereqs)');

describe.skipIf(!dockerUp && !CI)('local stack end to end', () => {
  let app: string;
  let url: string;
  const page = (text: string) => `<h1>${text}</h1>\n`;

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed): the e2e suite needs it. Run scripts/prereqs.sh.`,
      );
    await rm(STATE_DIR, { recursive: true, force: true });
    const up = await slipway(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
    app = await helloCopy();
  });

  afterAll(async () => {
    const down = await slipway(['local', 'down']);
    expect(down.code, down.stderr).toBe(0);
  });

  it('prints its endpoints as JSON', async () => {
    const status = await slipway(['local', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      s3: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      registry: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
  });

  it('is idempotent: a second up finds the running stack', async () => {
    const before = await stackInfo();
    const again = await slipway(['local', 'up']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already running');
    expect((await stackInfo()).pid).toBe(before.pid);
  });

  it('deploys examples/hello and serves its index.html', async () => {
    const deploy = await slipway(['deploy', app, '--app', 'hello']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(lastLine(deploy.stdout)).toMatch(/^url: http:\/\/127\.0\.0\.1:\d+$/);
    for (const step of ['prepare', 'build', 'lifecycle', 'deploy', 'rollout'])
      expect(deploy.stdout).toContain(`✓ ${step}`);
    url = lastLine(deploy.stdout).slice('url: '.length);
    await expectServes(url, await readFile(join(ROOT, 'examples/hello/content/index.html'), 'utf8'));
  });

  it('serves the new content at the same URL after an edit and a second deploy', async () => {
    await writeFile(join(app, 'content/index.html'), page('second version'));
    const deploy = await slipway(['deploy', app, '--app', 'hello']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(lastLine(deploy.stdout)).toBe(`url: ${url}`);
    await expectServes(url, page('second version'));
  });

  it('lists both runs newest first, SUCCEEDED with every step', async () => {
    const runs = await slipway(['runs', '--app', 'hello', '--json']);
    expect(runs.code).toBe(0);
    const list = JSON.parse(runs.stdout) as { runId: string; status: string }[];
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list.map((r) => r.runId)).toEqual([...list.map((r) => r.runId)].sort().reverse());
    for (const run of list.slice(0, 2)) {
      const status = await slipway(['status', run.runId, '--json']);
      const view = JSON.parse(status.stdout);
      expect(view).toMatchObject({
        id: run.runId,
        app: 'hello',
        status: 'SUCCEEDED',
        image: {
          digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
          tags: [run.runId, expect.stringMatching(/^key-[0-9a-f]{64}$/)],
        },
      });
      expect(view.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
        'prepare:SUCCEEDED',
        'build:SUCCEEDED',
        'lifecycle:SUCCEEDED',
        'deploy:SUCCEEDED',
        'rollout:SUCCEEDED',
      ]);
      for (const step of view.steps)
        expect(Date.parse(step.endedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    }
  });

  it('refuses a context without its Dockerfile before uploading it: no run starts', async () => {
    const broken = await helloCopy();
    await rm(join(broken, 'Dockerfile'));
    const runsBefore = (await slipway(['runs', '--app', 'hello', '--json'])).stdout;
    const deploy = await slipway(['deploy', broken, '--app', 'hello']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain(`"${broken}" has no Dockerfile, the Dockerfile apps.hello.dockerfile names.`);
    expect(deploy.stdout).not.toContain('uploaded');
    expect((await slipway(['runs', '--app', 'hello', '--json'])).stdout).toBe(runsBefore);
  });

  it('fails a build whose Dockerfile fails in the build step, and the previous version keeps serving', async () => {
    const broken = await helloCopy();
    await writeFile(join(broken, 'Dockerfile'), 'FROM busybox\nRUN echo compiling; exit 3\n');
    const deploy = await slipway(['deploy', broken, '--app', 'hello']);
    expect(deploy.code).toBe(1);
    expect(deploy.stdout).toContain('✗ build failed');
    expect(deploy.stdout).toContain(
      'in build: BuildFailedError: The build of app "hello" failed in BUILD: ImageBuildFailed: docker build failed for hello',
    );
    expect(deploy.stdout).toContain(`still serving: revision`);
    await expectServes(url, page('second version'));
  });

  it('keeps the previous version serving when the new container crashes', async () => {
    const crashing = await helloCopy();
    await writeFile(
      join(crashing, 'Dockerfile'),
      'FROM busybox\nCMD ["sh", "-c", "echo starting; echo cannot read config >&2; exit 3"]\n',
    );
    const deploy = await slipway(['deploy', crashing, '--app', 'hello']);
    expect(deploy.code).toBe(1);
    expect(deploy.stdout).toContain('in rollout: RolloutFailedError');
    expect(deploy.stdout).toContain('cannot read config');
    expect(deploy.stdout).toMatch(/^still serving: revision \d+ .* at http:\/\/127\.0\.0\.1:\d+$/m);
    await expectServes(url, page('second version'));
  });

  it('answers an unknown app with 404 naming the known apps, and starts nothing', async () => {
    const { api } = await stackInfo();
    const before = JSON.parse((await slipway(['runs', '--json'])).stdout).length;
    const response = await fetch(`${api}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: 'nope' }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { name: 'UnknownAppError', knownApps: ['hello', 'tidy', 'capped'] },
    });
    const deploy = await slipway(['deploy', app, '--app', 'nope']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain('Unknown app "nope". Known apps: "hello", "tidy", "capped"');
    expect(JSON.parse((await slipway(['runs', '--json'])).stdout).length).toBe(before);
  });

  it('refuses a presigned POST with a tampered signature or policy, and starts no run', async () => {
    const { api } = await stackInfo();
    const before = JSON.parse((await slipway(['runs', '--json'])).stdout).length;
    const ticket = (await (
      await fetch(`${api}/uploads`, { method: 'POST', body: JSON.stringify({ app: 'hello' }) })
    ).json()) as UploadTicket;
    const { url, fields } = ticket.upload;
    const signature = fields['X-Amz-Signature']!;
    const badSignature = await postForm(
      url,
      { ...fields, 'X-Amz-Signature': `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}` },
      'not a context',
    );
    expect(badSignature.status).toBe(403);
    expect(await badSignature.text()).toContain('SignatureDoesNotMatch');
    // The policy rewritten to allow another key, sent with the original signature.
    const otherKey = ticket.key.replace(ticket.runId, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    const badPolicy = await postForm(url, { ...withPolicyKey(fields, otherKey), key: otherKey }, 'x');
    expect(badPolicy.status).toBe(403);
    expect(await badPolicy.text()).toContain('SignatureDoesNotMatch');
    const anotherKey = await postForm(url, { ...fields, key: otherKey }, 'x');
    expect(anotherKey.status).toBe(403);
    expect(await anotherKey.text()).toContain('Invalid according to Policy');
    expect((await slipway(['status', ticket.runId])).code).toBe(2);
    expect(JSON.parse((await slipway(['runs', '--json'])).stdout).length).toBe(before);
  });

  it('refuses an expired presigned POST and starts no run', async () => {
    const { api, s3, bucket } = await stackInfo();
    const ticket = (await (
      await fetch(`${api}/uploads`, { method: 'POST', body: JSON.stringify({ app: 'hello' }) })
    ).json()) as UploadTicket;
    // A correctly signed POST for the same key, signed an hour ago with a one-minute lifetime.
    const credentials = JSON.parse(await readFile(join(STATE_DIR, 'credentials.json'), 'utf8'));
    const anHourAgo = new Date(Date.now() - 3600_000);
    const store = new S3ObjectStore({
      bucket,
      client: createS3Client({ endpoint: s3, region: 'us-east-1', credentials, forcePathStyle: true }),
      clock: { now: () => anHourAgo },
    });
    const expired = await store.createUpload({
      key: ticket.key,
      contentType: 'application/gzip',
      expiresInSeconds: 60,
      maxBytes: ticket.maxBytes,
      metadata: { app: 'hello', 'run-id': ticket.runId },
    });
    const response = await postForm(expired.url, expired.fields, 'late');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Invalid according to Policy: Policy expired.');
    expect((await slipway(['status', ticket.runId])).code).toBe(2);
  });

  it('stops every process and container it started', async () => {
    const info = await stackInfo();
    const down = await slipway(['local', 'down']);
    expect(down.code).toBe(0);
    expect(isAlive(info.pid)).toBe(false);
    expect(isAlive(info.registryPid)).toBe(false);
    const { stdout } = await exec(DOCKER, ['ps', '-aq', '--filter', `label=slipway.stack=${info.stack}`]);
    expect(stdout.trim()).toBe('');
    expect((await slipway(['local', 'status'])).code).toBe(1);
  });
});
