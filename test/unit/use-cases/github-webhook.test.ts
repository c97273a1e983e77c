import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { sign } from '@octokit/webhooks-methods';
import { list } from 'tar';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseContextKey } from '../../../src/domain/run-id.ts';
import { buildKeyOfArchive } from '../../../src/use-cases/build-key.ts';
import { handleGithubWebhook } from '../../../src/use-cases/github-webhook.ts';
import { fakeDependencies, FakeSource, testConfig } from '../../support/fakes.ts';
import { githubTarball } from '../../support/github.ts';
import { chunked } from '../../support/tar.ts';

type Example = Record<string, unknown> & { ref: string; after: string; deleted: boolean };
const examples = JSON.parse(
  readFileSync(
    new URL('../../../node_modules/@octokit/webhooks-examples/api.github.com/index.json', import.meta.url),
    'utf8',
  ),
) as { name: string; examples: Example[] }[];
const pushes = examples.find((e) => e.name === 'push')!.examples;
const branchPush = pushes.find((p) => p.ref === 'refs/heads/master' && !p.deleted)!;
const tagPush = pushes.find((p) => p.ref.startsWith('refs/tags/') && !p.deleted)!;
const deletedPush = pushes.find((p) => p.deleted)!;
const ping = examples.find((e) => e.name === 'ping')!.examples[0]!;
const issue = examples.find((e) => e.name === 'issues')!.examples[0]!;

const SECRET = "It's a Secret to Everybody";
const PUSHED_AT = (branchPush.repository as { pushed_at: number }).pushed_at;

async function request(
  event: string,
  payload: unknown,
  options: { secret?: string; body?: string; delivery?: string; headers?: Record<string, string> } = {},
) {
  const body = options.body ?? JSON.stringify(payload);
  const signature = await sign(options.secret ?? SECRET, JSON.stringify(payload));
  return {
    headers: {
      'x-github-event': event,
      'x-github-delivery': options.delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': signature,
      ...options.headers,
    },
    body,
  };
}

describe('github-webhook', () => {
  let deps: ReturnType<typeof fakeDependencies>;
  let tarball: Buffer;

  beforeAll(async () => {
    tarball = await githubTarball('Codertocat/Hello-World', branchPush.after, {
      'services/web/Dockerfile': 'FROM busybox\n',
      'services/web/index.html': 'hi',
      'README.md': 'root',
    });
  });

  beforeEach(() => {
    deps = fakeDependencies({
      config: testConfig({
        web: {
          contextPath: 'services/web',
          triggers: { github: { repository: 'Codertocat/Hello-World', branch: 'master' } },
        },
        other: {},
      }),
      // GitHub's example push was pushed at 1557933657: deliver it five seconds later.
      clock: { now: () => new Date((PUSHED_AT + 5) * 1000) },
    });
    deps.source = new FakeSource(tarball);
  });

  it('stores the pushed commit as the app context, with the commit, ref and pusher', async () => {
    const response = await handleGithubWebhook(await request('push', branchPush), deps);
    expect(response.status).toBe(202);
    const [run] = response.body.runs as { app: string; runId: string; duplicate: boolean }[];
    expect(run).toMatchObject({ app: 'web', duplicate: false });
    const stored = [...deps.objects.objects.values()];
    expect(stored).toHaveLength(1);
    expect(parseContextKey(stored[0]!.key)).toEqual({ app: 'web', runId: run!.runId });
    expect(stored[0]!.metadata).toMatchObject({
      trigger: 'webhook',
      commit: branchPush.after,
      ref: 'refs/heads/master',
      source: 'Codertocat',
    });
    expect((deps.source as FakeSource).requests).toEqual([`Codertocat/Hello-World@${branchPush.after}`]);
  });

  it("keeps only the app's contextPath, at its path, without GitHub's top-level folder", async () => {
    let body: Buffer | undefined;
    deps.objects.put = async (object) => void (body = Buffer.from(object.body));
    await handleGithubWebhook(await request('push', branchPush), deps);
    const names: string[] = [];
    await new Promise<void>((resolve, reject) =>
      Readable.from(body!)
        .pipe(list({ onReadEntry: (e) => names.push(e.path) }))
        .on('end', resolve)
        .on('error', reject),
    );
    expect(names.filter((n) => !n.endsWith('/')).sort()).toEqual([
      'services/web/Dockerfile',
      'services/web/index.html',
    ]);
  });

  it("stores the same build key for a commit that changes only another app's folder", async () => {
    const contexts: Uint8Array[] = [];
    deps.objects.put = async (object) => void contexts.push(object.body);
    const commit = (readme: string) =>
      githubTarball('Codertocat/Hello-World', branchPush.after, {
        'services/web/Dockerfile': 'FROM busybox\n',
        'services/web/index.html': 'hi',
        'services/api/main.go': readme,
        'README.md': readme,
      });
    deps.source = new FakeSource(await commit('one'));
    await handleGithubWebhook(await request('push', branchPush), deps);
    deps.source = new FakeSource(await commit('two'));
    await handleGithubWebhook(await request('push', { ...branchPush, after: 'b'.repeat(40) }), deps);

    const settings = { dockerfile: 'Dockerfile', buildArgs: {}, buildspec: 'v1' };
    const keys = await Promise.all(
      contexts.map((body) => buildKeyOfArchive(chunked(body), { contextPath: 'services/web', settings })),
    );
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it('answers a second delivery as a duplicate with the same run id, fetching and writing nothing', async () => {
    const first = await handleGithubWebhook(await request('push', branchPush), deps);
    const runId = (first.body.runs as { runId: string }[])[0]!.runId;
    const again = await handleGithubWebhook(await request('push', branchPush), deps);
    expect(again).toEqual({
      status: 200,
      body: { duplicate: true, runId, runs: [{ app: 'web', runId, duplicate: true }] },
    });
    expect((deps.source as FakeSource).requests).toHaveLength(1);
    expect(deps.objects.objects.size).toBe(1);
  });

  it('makes one run of twenty concurrent deliveries and answers nineteen as duplicates', async () => {
    const requests = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request('push', branchPush, { delivery: `delivery-${i}` })),
    );
    const responses = await Promise.all(requests.map((r) => handleGithubWebhook(r, deps)));
    expect(responses.filter((r) => r.body.duplicate === true)).toHaveLength(19);
    expect(new Set(responses.map((r) => r.body.runId)).size).toBe(1);
    expect((deps.source as FakeSource).requests).toHaveLength(1);
    expect(deps.objects.objects.size).toBe(1);
  });

  it('gives a push without pushed_at or head_commit.timestamp one run id for every delivery, whenever it arrives', async () => {
    const untimed = {
      ...branchPush,
      repository: { ...(branchPush.repository as object), pushed_at: undefined },
      head_commit: null,
      commits: [],
    };
    const first = await handleGithubWebhook(await request('push', untimed), deps);
    deps.clock = { now: () => new Date((PUSHED_AT + 3600) * 1000) };
    const later = await handleGithubWebhook(await request('push', untimed, { delivery: 'redelivered' }), deps);
    expect(first.status).toBe(202);
    expect(later).toMatchObject({ status: 200, body: { duplicate: true, runId: first.body.runId } });
    expect(deps.objects.objects.size).toBe(1);
  });

  it('takes over the claim of a first delivery that failed before storing the context, keeping its run id', async () => {
    const failing = deps.source;
    deps.source = { tarball: async () => Promise.reject(new Error('GitHub is down')) } as never;
    await expect(handleGithubWebhook(await request('push', branchPush), deps)).rejects.toThrow('GitHub is down');
    deps.source = failing;
    deps.clock = { now: () => new Date((PUSHED_AT + 5 + 121) * 1000) };
    const retried = await handleGithubWebhook(await request('push', branchPush), deps);
    expect(retried).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(deps.objects.objects.size).toBe(1);
  });

  it('answers a delivery as a duplicate while the first one is still storing the context', async () => {
    deps.source = { tarball: async () => Promise.reject(new Error('GitHub is down')) } as never;
    await handleGithubWebhook(await request('push', branchPush), deps).catch(() => undefined);
    const again = await handleGithubWebhook(await request('push', branchPush), deps);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
  });

  it('gives a replay under another delivery id the same run id: the signature covers the body, not the header', async () => {
    const a = await handleGithubWebhook(await request('push', branchPush), deps);
    const b = await handleGithubWebhook(await request('push', branchPush, { delivery: 'forged-delivery-id' }), deps);
    expect((a.body.runs as { runId: string }[])[0]!.runId).toBe((b.body.runs as { runId: string }[])[0]!.runId);
  });

  it('orders two pushes of the same second as they arrived, whatever their bodies hash to', async () => {
    // GitHub's pushed_at is in seconds. Ten pairs of pushes: each pair's second one arrives 400 ms after the first.
    for (let pair = 0; pair < 10; pair++) {
      const runIdOf = async (after: string, arrivedMs: number) => {
        deps.clock = { now: () => new Date(PUSHED_AT * 1000 + arrivedMs) };
        const push = { ...branchPush, after, head_commit: { ...(branchPush.head_commit as object), id: after } };
        const response = await handleGithubWebhook(await request('push', push), deps);
        return (response.body.runs as { runId: string }[])[0]!.runId;
      };
      const first = await runIdOf(`${pair}`.padStart(40, 'a'), 300);
      const second = await runIdOf(`${pair}`.padStart(40, 'b'), 700);
      expect(second > first, `pair ${pair}: ${second} sorts after ${first}`).toBe(true);
    }
  });

  it('does not build a push delivered more than ten minutes after it was pushed', async () => {
    deps.clock = { now: () => new Date((PUSHED_AT + 11 * 60) * 1000) };
    const response = await handleGithubWebhook(await request('push', branchPush), deps);
    expect(response).toMatchObject({ status: 202, body: { ignored: expect.stringContaining('11 minutes old') } });
    expect((deps.source as FakeSource).requests).toEqual([]);
    expect(deps.objects.objects.size).toBe(0);
  });

  it.each([
    ['a wrong secret', { secret: 'not the secret' }],
    ['a tampered body', { body: JSON.stringify({ ...branchPush, after: 'f'.repeat(40) }) }],
  ])('refuses %s with 401 and stores nothing', async (_name, options) => {
    const response = await handleGithubWebhook(await request('push', branchPush, options), deps);
    expect(response.status).toBe(401);
    expect(deps.objects.objects.size).toBe(0);
    expect((deps.source as FakeSource).requests).toEqual([]);
  });

  it('refuses a request signed with sha1= only, saying so', async () => {
    const req = await request('push', branchPush);
    delete (req.headers as Record<string, string>)['x-hub-signature-256'];
    (req.headers as Record<string, string>)['x-hub-signature'] = 'sha1=0123456789abcdef0123456789abcdef01234567';
    const response = await handleGithubWebhook(req, deps);
    expect(response).toMatchObject({ status: 401, body: { error: { message: expect.stringContaining('SHA-1') } } });
  });

  it('answers ping with 200', async () => {
    expect(await handleGithubWebhook(await request('ping', ping), deps)).toMatchObject({
      status: 200,
      body: { ok: true },
    });
  });

  it.each([
    ['another event', 'issues', issue, '"issues" events are not handled'],
    ['a tag push', 'push', tagPush, 'refs/tags/simple-tag is not a branch'],
    ['a deleted branch', 'push', deletedPush, 'was deleted'],
  ])('ignores %s with 202 and the reason', async (_name, event, payload, reason) => {
    const response = await handleGithubWebhook(await request(event, payload), deps);
    expect(response).toMatchObject({ status: 202, body: { ignored: expect.stringContaining(reason) } });
    expect(deps.objects.objects.size).toBe(0);
  });

  it('names why a push to another branch is ignored', async () => {
    const response = await handleGithubWebhook(
      await request('push', { ...branchPush, ref: 'refs/heads/feature' }),
      deps,
    );
    expect(response).toMatchObject({
      status: 202,
      body: {
        ignored: 'No app follows Codertocat/Hello-World@feature. Apps following Codertocat/Hello-World: web (master).',
      },
    });
  });

  it('refuses every request while no secret is configured', async () => {
    deps.secrets = { get: async () => undefined };
    expect((await handleGithubWebhook(await request('push', branchPush), deps)).status).toBe(503);
  });
});
