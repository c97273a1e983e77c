import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/lifecycle.ts';
import { readImagesFile, readPolicyFile } from '../../../src/cli/lifecycle-input.ts';
import type { Output } from '../../../src/cli/output.ts';
import { InvalidConfigError, InvalidInputError } from '../../../src/domain/errors.ts';

/** Samples of what the AWS CLI prints: test/fixtures/ecr/README.md says where they come from. */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ecr/${name}`, import.meta.url), 'utf8');
const DESCRIBE_IMAGES = fixture('describe-images.json');
const DESCRIBE_IMAGES_EPOCH = fixture('describe-images-epoch.json');
const GET_LIFECYCLE_POLICY = fixture('get-lifecycle-policy.json');
const details = (JSON.parse(DESCRIBE_IMAGES) as { imageDetails: { imageDigest: string; imageTags?: string[] }[] })
  .imageDetails;
const digest = (i: number) => details[i]?.imageDigest as string;

const NOW = '2026-01-15T12:00:00Z';
const DIGEST = `sha256:${'0a'.repeat(32)}`;
const POLICY = [{ selection: 'untagged', maximumAgeLimit: 7 }];

/** Files the reader may read, by path; objects are written as JSON. */
function files(contents: Record<string, unknown>): (path: string) => Promise<string> {
  return async (path) => {
    if (!(path in contents))
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    const value = contents[path];
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
}

function recording() {
  const events: Record<string, unknown>[] = [];
  const errors: string[] = [];
  const out: Output = {
    json: true,
    line: () => undefined,
    event: (e) => void events.push(e),
    error: (t) => void errors.push(t),
  };
  return { out, events, errors };
}

async function preview(policy: unknown, images: unknown) {
  const { out, events, errors } = recording();
  const deps = {
    out,
    readText: files({ 'policy.json': policy, 'images.json': images }),
    config: () => Promise.reject(new Error('no config')),
    client: () => Promise.reject(new Error('no API')),
  };
  await run({ action: 'preview', policy: 'policy.json', images: 'images.json', now: NOW, json: true }, deps);
  return { printed: events[0], errors };
}

describe('lifecycle preview of what the AWS CLI prints', () => {
  it.each([
    ['describe-images with ISO 8601 times', DESCRIBE_IMAGES],
    ['describe-images with epoch seconds', DESCRIBE_IMAGES_EPOCH],
    ['describe-images --query imageDetails', JSON.stringify(details)],
  ])('evaluates %s against get-lifecycle-policy', async (_name, images) => {
    const { printed } = await preview(GET_LIFECYCLE_POLICY, images);

    // Rule 1 expires old untagged builds, rule 2 archives v* releases unpulled for 30 days, rule 3 expires what has been archived 90 days.
    expect(printed).toEqual({
      expired: [
        { digest: digest(5), tags: [], rulePriority: 1 },
        { digest: digest(8), tags: ['v1.0.0'], rulePriority: 3 },
      ],
      transitioned: [{ digest: digest(4), tags: ['v1.3.1'], rulePriority: 2 }],
      kept: [0, 1, 2, 3, 6, 7].map((i) => ({ digest: digest(i), tags: details[i]?.imageTags ?? [] })),
    });
  });

  it('reads ISO 8601 and epoch-second times as the same instants', async () => {
    const iso = await readImagesFile('iso.json', files({ 'iso.json': DESCRIBE_IMAGES }));
    const epoch = await readImagesFile('epoch.json', files({ 'epoch.json': DESCRIBE_IMAGES_EPOCH }));

    expect(epoch).toEqual(iso);
  });

  it('reads the policy out of lifecyclePolicyText', async () => {
    const policy = await readPolicyFile('policy.json', files({ 'policy.json': GET_LIFECYCLE_POLICY }));

    expect(policy).toEqual(
      JSON.parse((JSON.parse(GET_LIFECYCLE_POLICY) as { lifecyclePolicyText: string }).lifecyclePolicyText),
    );
  });

  it('notes that a describe-images page with a next token is not the whole repository', async () => {
    const page = {
      imageDetails: [{ imageDigest: DIGEST, imagePushedAt: 1768478400.0 }],
      NextToken: 'eyJuZXh0VG9rZW4iOiBudWxsfQ==',
    };

    const { printed, errors } = await preview(POLICY, page);

    expect(printed).toMatchObject({ kept: [{ digest: DIGEST, tags: [] }] });
    expect(errors).toEqual([
      expect.stringMatching(
        /^note: images\.json holds one page of describe-images \(it has NextToken\): the preview covers only its 1 image\(s\)/,
      ),
    ]);
  });
});

describe('readImagesFile', () => {
  const image = (fields: Record<string, unknown>) => ({
    imageDetails: [{ imageDigest: DIGEST, imagePushedAt: '2025-12-01T10:00:00+00:00', ...fields }],
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['an untagged image', {}, { tags: [], pushedAt: '2025-12-01T10:00:00.000Z' }],
    ['epoch seconds', { imagePushedAt: 1764583200.5 }, { pushedAt: '2025-12-01T10:00:00.500Z' }],
    [
      'lastRecordedPullTime as lastPulledAt',
      { lastRecordedPullTime: '2026-01-02T07:15:00-08:00' },
      { lastPulledAt: '2026-01-02T15:15:00.000Z' },
    ],
    [
      'an ARCHIVED image',
      { imageStatus: 'ARCHIVED', lastArchivedAt: 1767225600 },
      { storageClass: 'archive', transitionedAt: '2026-01-01T00:00:00.000Z' },
    ],
    [
      'an ACTIVATING image as still archived',
      { imageStatus: 'ACTIVATING', lastArchivedAt: 1767225600 },
      { storageClass: 'archive', transitionedAt: '2026-01-01T00:00:00.000Z' },
    ],
    [
      'a restored image by its restore time',
      { imageStatus: 'ACTIVE', lastArchivedAt: 1767225600, lastActivatedAt: 1767312000 },
      { lastActivatedAt: '2026-01-02T00:00:00.000Z' },
    ],
  ])('maps %s', async (_name, fields, expected) => {
    const { images } = await readImagesFile('images.json', files({ 'images.json': image(fields) }));

    expect(images).toEqual([{ digest: DIGEST, tags: [], pushedAt: '2025-12-01T10:00:00.000Z', ...expected }]);
  });

  it('keeps the simple format as it was, a label included', async () => {
    const simple = [
      {
        digest: DIGEST,
        label: 'old build',
        tags: ['v1'],
        pushedAt: '2026-01-01T00:00:00Z',
        lastPulledAt: '2026-01-02T00:00:00Z',
      },
    ];

    const { images } = await readImagesFile('images.json', files({ 'images.json': simple }));

    expect(images).toEqual([
      { digest: DIGEST, tags: ['v1'], pushedAt: '2026-01-01T00:00:00Z', lastPulledAt: '2026-01-02T00:00:00Z' },
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a misspelt describe-images field',
      image({ lastRecordedPulltime: 1767225600 }),
      /\n {2}- imageDetails\[0\]\.lastRecordedPulltime: unknown key; did you mean "lastRecordedPullTime"\?\n/,
    ],
    [
      'a field describe-images does not print',
      image({ color: 'blue' }),
      /imageDetails\[0\]\.color: unknown key; remove it or check its spelling \(allowed: registryId, repositoryName, imageDigest, /,
    ],
    [
      'an unknown key in the scan status',
      image({ imageScanStatus: { state: 'COMPLETE' } }),
      /imageDetails\[0\]\.imageScanStatus\.state: unknown key; remove it or check its spelling \(allowed: status, description\)/,
    ],
    [
      'an unknown key beside imageDetails',
      { ...image({}), repository: 'hello' },
      /\n {2}- repository: unknown key; remove it or check its spelling \(allowed: imageDetails, nextToken, NextToken\)/,
    ],
    [
      'an imageStatus ECR does not have',
      image({ imageStatus: 'DELETED' }),
      /imageDetails\[0\]\.imageStatus: must be "ACTIVE", "ARCHIVED" or "ACTIVATING"/,
    ],
    [
      'a push time that is no time',
      image({ imagePushedAt: 'yesterday' }),
      /imageDetails\[0\]\.imagePushedAt: must be a time as the AWS CLI prints it/,
    ],
    [
      'an image without imageDigest',
      { imageDetails: [{ imagePushedAt: 1767225600 }] },
      /imageDetails\[0\]\.imageDigest: required; add it/,
    ],
    [
      'describe-images names in the simple format',
      [{ digest: DIGEST, pushedAt: NOW, lastRecordedPullTime: NOW }],
      /\[0\]\.lastRecordedPullTime: unknown key; did you mean "lastPulledAt"\?/,
    ],
    [
      'an unknown key in the simple format',
      [{ digest: DIGEST, pushedAt: NOW, size: 12 }],
      /\[0\]\.size: unknown key; remove it or check its spelling \(allowed: digest, tags, pushedAt, /,
    ],
    [
      'an unknown key in --query imageDetails output',
      [{ imageDigest: DIGEST, imagePushedAt: 1767225600, foo: 1 }],
      /\[0\]\.foo: unknown key; remove it or check its spelling \(allowed: registryId, /,
    ],
  ])('refuses %s, naming the key path', async (_name, contents, message) => {
    const error = await readImagesFile('images.json', files({ 'images.json': contents })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^The images file images\.json \(--images\) is invalid:\n/);
    expect((error as Error).message).toMatch(message);
  });
});

describe('readPolicyFile', () => {
  const printed = (fields: Record<string, unknown>) => ({
    registryId: '123456789012',
    repositoryName: 'slipway/hello',
    lastEvaluatedAt: 1768435200,
    ...fields,
  });

  it.each<[string, unknown, typeof InvalidInputError | typeof InvalidConfigError, RegExp]>([
    [
      'lifecyclePolicyText that is not JSON',
      printed({ lifecyclePolicyText: '{rules:' }),
      InvalidInputError,
      /^lifecyclePolicyText in policy\.json \(--policy\) is not valid JSON: /,
    ],
    [
      'a key get-lifecycle-policy does not print',
      printed({ lifecyclePolicyText: '{"rules":[]}', policy: {} }),
      InvalidInputError,
      /\n {2}- policy: unknown key; remove it or check its spelling \(allowed: registryId, repositoryName, lifecyclePolicyText, lastEvaluatedAt\)/,
    ],
    [
      'lifecyclePolicyText that is not a string',
      printed({ lifecyclePolicyText: { rules: [] } }),
      InvalidInputError,
      /\n {2}- lifecyclePolicyText: must be the policy as a JSON string/,
    ],
    [
      'a policy ECR would refuse',
      printed({
        lifecyclePolicyText: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              selection: { tagStatus: 'untagged', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 7 },
              action: { type: 'expire' },
            },
          ],
        }),
      }),
      InvalidConfigError,
      /^The lifecycle policy in policy\.json is invalid; ECR would refuse it:\n {2}- lifecyclePolicyText\.rules\[0\]/,
    ],
  ])('refuses %s', async (_name, contents, kind, message) => {
    const error = await readPolicyFile('policy.json', files({ 'policy.json': contents })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
  });
});
