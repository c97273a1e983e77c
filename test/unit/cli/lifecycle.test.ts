import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LifecyclePreviewAnswer } from '../../../src/use-cases/lifecycle-preview.ts';
import type { ApiClient } from '../../../src/cli/api-client.ts';
import { LifecyclePreviewUnfinishedError, run, type LifecycleDeps } from '../../../src/cli/commands/lifecycle.ts';
import type { Output } from '../../../src/cli/output.ts';
import {
  InvalidConfigError,
  InvalidInputError,
  NoLifecycleRulesError,
  UnknownAppError,
} from '../../../src/domain/errors.ts';
import { testConfig } from '../../support/fakes.ts';

interface FixtureCase {
  name: string;
  policy: unknown;
  now: string;
  images: { digest: string; label: string; tags: string[]; pushedAt: string }[];
  expectedExpired: string[];
  expectedAppliedRulePriority: Record<string, number>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/ecr-lifecycle-cases.json', import.meta.url), 'utf8'),
) as {
  cases: FixtureCase[];
  invalid: { name: string; policy: unknown }[];
};

/** An Output that keeps what the command printed. */
function recording(json: boolean) {
  const lines: string[] = [];
  const events: Record<string, unknown>[] = [];
  const errors: string[] = [];
  const out: Output = {
    json,
    line: (t) => void (json || lines.push(t)),
    event: (e) => void (json && events.push(e)),
    error: (t) => void errors.push(t),
  };
  return { out, lines, events, errors };
}

/** Files the command may read, by path. */
function files(contents: Record<string, unknown>): (path: string) => Promise<string> {
  return async (path) => {
    if (!(path in contents))
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    const value = contents[path];
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
}

function deps(out: Output, extra: Partial<LifecycleDeps> = {}): LifecycleDeps {
  return {
    out,
    config: () =>
      testConfig({ tidy: { keepReleases: 2, lifecycle: [{ selection: 'untagged', maximumAgeLimit: 7 }] }, bare: {} }),
    client: async () => {
      throw new Error('no API in this test');
    },
    ...extra,
  };
}

const offline = (json = true) => ({
  action: 'preview' as const,
  policy: 'policy.json',
  images: 'images.json',
  now: '2026-01-15T12:00:00Z',
  json,
});
const IMAGES = [{ digest: `sha256:${'0a'.repeat(32)}`, tags: [], pushedAt: '2026-01-01T00:00:00Z' }];

describe('slipway lifecycle preview --policy --images', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s: prints exactly the expected outcome as JSON',
    async (_name, c) => {
      const { out, events } = recording(true);

      const code = await run(
        { ...offline(), now: c.now },
        deps(out, { readText: files({ 'policy.json': c.policy, 'images.json': c.images }) }),
      );

      expect(code).toBe(0);
      expect(events).toHaveLength(1);
      const printed = events[0] as {
        expired: { digest: string; tags: string[]; rulePriority: number }[];
        transitioned: unknown[];
        kept: { digest: string }[];
      };
      expect(Object.fromEntries(printed.expired.map((e) => [e.digest, e.rulePriority]))).toEqual(
        c.expectedAppliedRulePriority,
      );
      expect(printed.expired.map((e) => e.digest).sort()).toEqual([...c.expectedExpired].sort());
      expect(printed.transitioned).toEqual([]);
      expect(printed.kept.map((k) => k.digest).sort()).toEqual(
        c.images
          .map((i) => i.digest)
          .filter((d) => !c.expectedExpired.includes(d))
          .sort(),
      );
      for (const e of printed.expired) expect(e.tags).toEqual(c.images.find((i) => i.digest === e.digest)?.tags);
    },
  );

  it.each(fixture.invalid.map((c) => [c.name, c] as const))(
    '%s: refuses the policy, naming the file and the rule',
    async (_name, c) => {
      const { out, events } = recording(true);

      const error = (await run(
        offline(),
        deps(out, { readText: files({ 'policy.json': c.policy, 'images.json': IMAGES }) }),
      ).catch((e: unknown) => e)) as InvalidConfigError;

      expect(error).toBeInstanceOf(InvalidConfigError);
      expect(error.message).toMatch(
        /^The lifecycle policy in policy\.json is invalid; ECR would refuse it:\n {2}- policy/,
      );
      expect(error.message).toMatch(/Fix these rules in policy\.json and preview again\.$/);
      expect(events).toEqual([]);
    },
  );

  it('reads awsx-style rules as well as raw ECR JSON', async () => {
    const { out, events } = recording(true);
    const images = [
      { digest: `sha256:${'0a'.repeat(32)}`, tags: [], pushedAt: '2026-01-01T00:00:00Z' },
      { digest: `sha256:${'0b'.repeat(32)}`, tags: [], pushedAt: '2026-01-14T00:00:00Z' },
    ];

    await run(
      offline(),
      deps(out, {
        readText: files({ 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': images }),
      }),
    );

    expect(events[0]).toEqual({
      expired: [{ digest: images[0]!.digest, tags: [], rulePriority: 1 }],
      transitioned: [],
      kept: [{ digest: images[1]!.digest, tags: [] }],
    });
  });

  it('prints a table without --json', async () => {
    const { out, lines } = recording(false);
    const images = [...IMAGES, { digest: `sha256:${'0b'.repeat(32)}`, tags: ['v1'], pushedAt: '2026-01-14T00:00:00Z' }];

    await run(
      offline(false),
      deps(out, {
        readText: files({ 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': images }),
      }),
    );

    expect(lines).toEqual([
      'lifecycle preview of images.json at 2026-01-15T12:00:00.000Z, 2 image(s):',
      `  expire   sha256:0a0a0a0a0a0a  rule 1  (untagged)`,
      `  keep     sha256:0b0b0b0b0b0b          v1`,
      '1 to expire, 0 to archive, 1 to keep',
    ]);
  });

  it('evaluates at the current time without --now', async () => {
    const { out, events } = recording(true);

    await run(
      { ...offline(), now: undefined },
      deps(out, {
        now: () => new Date('2026-01-05T00:00:00Z'),
        readText: files({ 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': IMAGES }),
      }),
    );

    expect(events[0]).toMatchObject({ expired: [] });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a missing policy file',
      { 'images.json': IMAGES },
      /^Cannot read policy\.json \(--policy\): ENOENT.*Pass the path of a JSON file holding lifecycle rules/,
    ],
    [
      'a policy file that is not JSON',
      { 'policy.json': '{ rules: [', 'images.json': IMAGES },
      /^policy\.json \(--policy\) is not valid JSON: .*It should hold lifecycle rules/,
    ],
    [
      'an images file that is not a list',
      { 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': { images: [] } },
      /^The images file images\.json \(--images\) is invalid:\n {2}- \(the file\): must be a JSON list of images/,
    ],
    [
      'an image without pushedAt',
      {
        'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }],
        'images.json': [{ digest: 'sha256:1', tags: [] }],
      },
      /\n {2}- \[0\]\.pushedAt: required; add it\n/,
    ],
    [
      'an image time that is not ISO 8601',
      {
        'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }],
        'images.json': [{ digest: 'sha256:1', pushedAt: 'yesterday' }],
      },
      /\[0\]\.pushedAt: must be an ISO 8601 time/,
    ],
    [
      'a field in the wrong case',
      {
        'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }],
        'images.json': [{ digest: 'sha256:1', pushedAt: '2026-01-01T00:00:00Z', lastpulledat: '2026-01-02T00:00:00Z' }],
      },
      /\[0\]\.lastpulledat: unknown key; did you mean "lastPulledAt"\?/,
    ],
    [
      'an image listed twice',
      { 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': [...IMAGES, ...IMAGES] },
      /is listed twice; pass each image once/,
    ],
  ])('refuses %s with InvalidInputError naming the file', async (_name, contents, message) => {
    const { out } = recording(true);

    const error = await run(offline(), deps(out, { readText: files(contents) })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      '--app with --policy',
      { app: 'tidy', policy: 'p.json', images: 'i.json' },
      /Pass either --app <name> .* or --policy <file> --images <file> \(offline\), not both/,
    ],
    [
      '--policy without --images',
      { policy: 'p.json' },
      /needs both --policy <file> and --images <file> \(missing --images\)/,
    ],
    [
      'no --app and no files',
      {},
      /Pass --app <name> to preview against the live repository, or --policy <file> --images <file>/,
    ],
    ['--now with --app', { app: 'tidy', now: '2026-01-15T12:00:00Z' }, /--now goes with an offline preview/],
    [
      'a --now that is not a time',
      { policy: 'policy.json', images: 'images.json', now: 'noon' },
      /--now must be an ISO 8601 time like 2026-01-15T12:00:00Z \(got "noon"\)/,
    ],
  ])('refuses %s', async (_name, flags, message) => {
    const { out } = recording(true);

    const error = await run(
      { action: 'preview', json: true, ...flags },
      deps(out, {
        readText: files({ 'policy.json': [{ selection: 'untagged', maximumAgeLimit: 7 }], 'images.json': IMAGES }),
      }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
  });
});

/** An API that answers the preview route with the given answers, one per request, repeating the last. */
function fakeApi(answers: LifecyclePreviewAnswer[]) {
  const paths: string[] = [];
  const client = {
    request: async (_method: string, path: string) => {
      paths.push(path);
      return answers.length > 1 ? answers.shift() : answers[0];
    },
  } as unknown as ApiClient;
  return { client, paths };
}

const DONE: LifecyclePreviewAnswer = {
  app: 'tidy',
  repository: 'tidy',
  status: 'COMPLETE',
  policy: { rules: [] },
  expired: [{ digest: `sha256:${'0a'.repeat(32)}`, tags: ['01OLD'], rulePriority: 3 }],
  transitioned: [],
  kept: [{ digest: `sha256:${'0b'.repeat(32)}`, tags: ['01NEW', 'slipway-release-1'] }],
};
const PENDING: LifecyclePreviewAnswer = {
  app: 'tidy',
  repository: 'tidy',
  status: 'IN_PROGRESS',
  message: 'still previewing',
};

describe('slipway lifecycle preview --app', () => {
  it("prints the live repository's preview as JSON", async () => {
    const { out, events } = recording(true);
    const api = fakeApi([DONE]);

    expect(
      await run({ action: 'preview', app: 'tidy', json: true }, deps(out, { client: async () => api.client })),
    ).toBe(0);

    expect(api.paths).toEqual(['/apps/tidy/lifecycle/preview']);
    expect(events).toEqual([{ expired: DONE.expired, transitioned: [], kept: DONE.kept }]);
  });

  it('prints a table naming the app and its repository', async () => {
    const { out, lines } = recording(false);

    await run(
      { action: 'preview', app: 'tidy', json: false },
      deps(out, { client: async () => fakeApi([DONE]).client }),
    );

    expect(lines).toEqual([
      'lifecycle preview of app tidy (repository tidy), 2 image(s):',
      '  expire   sha256:0a0a0a0a0a0a  rule 3  01OLD',
      '  keep     sha256:0b0b0b0b0b0b          01NEW, slipway-release-1',
      '1 to expire, 0 to archive, 1 to keep',
    ]);
  });

  it('asks again while ECR is still previewing', async () => {
    const { out, events } = recording(true);
    const api = fakeApi([PENDING, PENDING, DONE]);

    await run({ action: 'preview', app: 'tidy', json: true }, deps(out, { client: async () => api.client }));

    expect(api.paths).toHaveLength(3);
    expect(events).toHaveLength(1);
  });

  it('gives up after five asks, saying to run it again', async () => {
    const { out } = recording(true);
    const api = fakeApi([PENDING]);

    const error = await run(
      { action: 'preview', app: 'tidy', json: true },
      deps(out, { client: async () => api.client }),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LifecyclePreviewUnfinishedError);
    expect((error as Error).message).toBe('still previewing Run: slipway lifecycle preview --app tidy');
    expect(api.paths).toHaveLength(5);
  });
});

describe('slipway lifecycle render', () => {
  it('prints the ECR policy with the keepReleases rule first', async () => {
    const { out, lines } = recording(false);

    expect(await run({ action: 'render', app: 'tidy' }, deps(out))).toBe(0);

    expect(JSON.parse(lines.join('\n'))).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'slipway keepReleases: keep the images of the last 2 deploy(s)',
          selection: {
            tagStatus: 'tagged',
            tagPrefixList: ['slipway-release-'],
            countType: 'imageCountMoreThan',
            countNumber: 2,
          },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7, countUnit: 'days' },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('refuses an app without lifecycle rules, saying how to add them', async () => {
    const { out } = recording(false);

    await expect(run({ action: 'render', app: 'bare' }, deps(out))).rejects.toBeInstanceOf(NoLifecycleRulesError);
  });

  it('refuses an unknown app', async () => {
    const { out } = recording(false);

    await expect(run({ action: 'render', app: 'nope' }, deps(out))).rejects.toBeInstanceOf(UnknownAppError);
  });
});
