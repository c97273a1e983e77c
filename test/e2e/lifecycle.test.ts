import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, DOCKER } from '../../src/local-stack/engine.ts';
import { expectServes, helloCopy, lastLine, slipway, stackInfo, stateDirFor } from './support.ts';

/**
 * Lifecycle rules and keepReleases on the real local stack. The "tidy" app of slipway.config.json
 * keeps only the newest tagged image (`maximumNumberOfImages: 1` on `tagPatternList: ["*"]`) and
 * `keepReleases: 1`: after three deploys of examples/hello the registry holds the newest image and
 * the release that was serving when the third run tidied up; the first is gone.
 */
const dockerUp = await dockerAnswers();
const CI = process.env.CI === 'true';
if (!dockerUp && !CI) console.warn('e2e skipped: the Docker engine is not answering (run npm run prereqs)');

const STATE_DIR = stateDirFor('lifecycle');
const cli = (args: string[]) => slipway(args, { stateDir: STATE_DIR });
const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

interface Deployed {
  runId: string;
  digest: string;
  stdout: string;
  /** Its build key's tag, `key-<hex>`. */
  key: string;
}

/** The registry's own answer: every tag of the repository and the digest it names. */
async function registryTags(registry: string, repository: string): Promise<Map<string, string[]>> {
  const listed = (await (await fetch(`${registry}/v2/${repository}/tags/list`)).json()) as { tags?: string[] | null };
  const byDigest = new Map<string, string[]>();
  for (const tag of listed.tags ?? []) {
    const head = await fetch(`${registry}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES },
    });
    const digest = head.headers.get('docker-content-digest');
    if (head.ok && digest) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag].sort());
  }
  return byDigest;
}

describe.skipIf(!dockerUp && !CI)('lifecycle policies on the local stack', () => {
  let app: string;
  let url: string;
  const deploys: Deployed[] = [];
  const page = (n: number) => `<h1>tidy ${n}</h1>\n`;

  beforeAll(async () => {
    if (!dockerUp)
      throw new Error(
        `CI=true and the Docker engine is not answering (${DOCKER} info failed): the e2e suite needs it. Run scripts/prereqs.sh.`,
      );
    await rm(STATE_DIR, { recursive: true, force: true });
    const up = await cli(['local', 'up']);
    expect(up.code, up.stderr).toBe(0);
    app = await helloCopy();
  });

  afterAll(async () => {
    const down = await cli(['local', 'down']);
    expect(down.code, down.stderr).toBe(0);
    await rm(STATE_DIR, { recursive: true, force: true });
  });

  it('renders the policy with the keepReleases rule first', async () => {
    const render = await cli(['lifecycle', 'render', '--app', 'tidy']);

    expect(render.code, render.stderr).toBe(0);
    const policy = JSON.parse(render.stdout) as {
      rules: { rulePriority: number; selection: Record<string, unknown> }[];
    };
    expect(
      policy.rules.map((r) => [
        r.rulePriority,
        r.selection.tagStatus,
        r.selection.tagPrefixList ?? r.selection.tagPatternList ?? null,
        r.selection.countNumber,
      ]),
    ).toEqual([
      [1, 'tagged', ['slipway-release-'], 1],
      [2, 'untagged', null, 7],
      [3, 'tagged', ['*'], 1],
    ]);
  });

  it('deploys examples/hello three times, each serving its own content', async () => {
    for (const n of [1, 2, 3]) {
      await writeFile(join(app, 'content/index.html'), page(n));
      const deploy = await cli(['deploy', app, '--app', 'tidy']);
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      const runId = /^deployed tidy.*: run ([0-9A-Z]{26})$/m.exec(deploy.stdout)?.[1];
      const digest = /^image: \S+@(sha256:[0-9a-f]{64})$/m.exec(deploy.stdout)?.[1];
      expect(runId && digest, deploy.stdout).toBeTruthy();
      // Each image also carries its build key's tag (docs/build-keys.md).
      const view = JSON.parse((await cli(['status', runId!, '--json'])).stdout) as { image: { tags: string[] } };
      const key = view.image.tags.find((t) => t.startsWith('key-'));
      deploys.push({ runId: runId!, digest: digest!, stdout: deploy.stdout, key: key! });
      url = lastLine(deploy.stdout).slice('url: '.length);
      await expectServes(url, page(n));
    }
    expect(new Set(deploys.map((d) => d.digest)).size).toBe(3);
  });

  it('leaves the newest image and the release keepReleases protected, and nothing else', async () => {
    const [first, second, third] = deploys;
    const { registry } = await stackInfo(STATE_DIR);

    const tags = await registryTags(registry, 'tidy');

    expect(Object.fromEntries(tags)).toEqual({
      [second!.digest]: [second!.runId, second!.key],
      [third!.digest]: [third!.runId, third!.key, 'slipway-release-1'],
    });
    const gone = await fetch(`${registry}/v2/tidy/manifests/${first!.digest}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES },
    });
    expect(gone.status).toBe(404);
  });

  it('records in each run what it expired and the release it tagged', async () => {
    const views = [];
    for (const d of deploys) {
      const status = await cli(['status', d.runId, '--json']);
      expect(status.code, status.stderr).toBe(0);
      views.push(JSON.parse(status.stdout) as { lifecycle: { expired: unknown[] }; release: unknown });
    }

    expect(views.map((v) => v.lifecycle.expired)).toEqual([
      [],
      [],
      [{ digest: deploys[0]!.digest, tags: [deploys[0]!.runId, deploys[0]!.key], rulePriority: 3 }],
    ]);
    expect(views.map((v) => v.release)).toEqual(
      deploys.map((d) => ({ tag: 'slipway-release-1', digest: d.digest, keep: 1 })),
    );
    expect(deploys[2]!.stdout).toMatch(/^lifecycle: expired 1 image\(s\)/m);
    expect(deploys[1]!.stdout).not.toMatch(/^lifecycle: expired/m);
  });

  it('previews against the live repository what the next run would expire', async () => {
    const [, second, third] = deploys;

    const preview = await cli(['lifecycle', 'preview', '--app', 'tidy', '--json']);

    expect(preview.code, preview.stderr).toBe(0);
    expect(JSON.parse(preview.stdout)).toEqual({
      expired: [{ digest: second!.digest, tags: [second!.runId, second!.key], rulePriority: 3 }],
      transitioned: [],
      kept: [{ digest: third!.digest, tags: [third!.runId, third!.key, 'slipway-release-1'] }],
    });
  });

  it('still serves the last deploy', async () => {
    await expectServes(url, page(3));
  });
});
