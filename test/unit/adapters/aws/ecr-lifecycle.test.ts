import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyPreviewCommand,
  PutImageCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LifecyclePreviewError } from '../../../../src/adapters/aws/errors.ts';
import { EcrImageRegistry } from '../../../../src/adapters/aws/ecr-image-registry.ts';
import { LifecyclePreviewPendingError, TransientError } from '../../../../src/domain/errors.ts';
import { ImageNotFoundError } from '../../../../src/ports/image-registry.ts';
import type { EcrLifecyclePolicy } from '../../../../src/domain/lifecycle/index.ts';
import { awsError } from './aws-error.ts';

const ecr = mockClient(ECRClient);
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OLD = `sha256:${'01'.repeat(32)}`;
const UNTAGGED = `sha256:${'02'.repeat(32)}`;
/** A real-shaped OCI manifest, byte for byte as ECR returns it. */
const MANIFEST =
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:' +
  'cd'.repeat(32) +
  '","size":1234},"layers":[]}';
const OCI = 'application/vnd.oci.image.manifest.v1+json';

const POLICY: EcrLifecyclePolicy = {
  rules: [
    {
      rulePriority: 1,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: ['slipway-release-'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
};
/** Any registry wired to answer at once: no real waiting in unit tests. */
const registry = (timeoutMs = 1000) =>
  new EcrImageRegistry({ client: new ECRClient({}), preview: { pollMs: 0, timeoutMs } });

describe('EcrImageRegistry.tagImage', () => {
  beforeEach(() => {
    ecr.reset();
  });

  it('puts the manifest it read by digest again under the tag, with its media type and digest', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: OCI }],
    });
    ecr.on(PutImageCommand).resolves({});

    await registry().tagImage('hello', DIGEST, 'slipway-release-1');

    expect(ecr.commandCalls(BatchGetImageCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'hello',
      imageIds: [{ imageDigest: DIGEST }],
      acceptedMediaTypes: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ],
    });
    expect(ecr.commandCalls(PutImageCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'hello',
      imageManifest: MANIFEST,
      imageManifestMediaType: OCI,
      imageTag: 'slipway-release-1',
      imageDigest: DIGEST,
    });
  });

  it('accepts a tag that already names the image', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: OCI }],
    });
    ecr.on(PutImageCommand).rejects(awsError('ImageAlreadyExistsException', 400));

    await expect(registry().tagImage('hello', DIGEST, 'slipway-release-1')).resolves.toBeUndefined();
  });

  it('says how to fix a repository with immutable tags', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: OCI }],
    });
    ecr.on(PutImageCommand).rejects(awsError('ImageTagAlreadyExistsException', 400));

    await expect(registry().tagImage('hello', DIGEST, 'slipway-release-1')).rejects.toMatchObject({
      name: 'ImmutableTagError',
      message: expect.stringContaining('IMMUTABLE_WITH_EXCLUSION'),
    });
  });

  it.each([
    [
      'the digest is not in the repository',
      () =>
        ecr.on(BatchGetImageCommand).resolves({
          images: [],
          failures: [
            {
              imageId: { imageDigest: DIGEST },
              failureCode: 'ImageNotFound',
              failureReason: 'Requested image not found',
            },
          ],
        }),
    ],
    [
      'the repository does not exist',
      () => ecr.on(BatchGetImageCommand).rejects(awsError('RepositoryNotFoundException', 400)),
    ],
  ])('is ImageNotFoundError when %s', async (_name, arrange) => {
    arrange();

    await expect(registry().tagImage('hello', DIGEST, 'slipway-release-1')).rejects.toBeInstanceOf(ImageNotFoundError);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('turns a throttled PutImage into a TransientError', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: OCI }],
    });
    ecr.on(PutImageCommand).rejects(awsError('ThrottlingException', 400));

    await expect(registry().tagImage('hello', DIGEST, 'slipway-release-1')).rejects.toBeInstanceOf(TransientError);
  });
});

describe('EcrImageRegistry.previewLifecyclePolicy', () => {
  beforeEach(() => {
    ecr.reset();
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        {
          imageDigest: DIGEST,
          imageTags: ['01NEW', 'slipway-release-1'],
          imagePushedAt: new Date('2026-01-03T00:00:00Z'),
        },
        { imageDigest: OLD, imageTags: ['01OLD'], imagePushedAt: new Date('2026-01-02T00:00:00Z') },
        { imageDigest: UNTAGGED, imagePushedAt: new Date('2026-01-01T00:00:00Z') },
      ],
    });
  });

  const complete = (policy: EcrLifecyclePolicy = POLICY) => ({
    repositoryName: 'hello',
    lifecyclePolicyText: JSON.stringify(policy),
    status: 'COMPLETE' as const,
    previewResults: [
      { imageDigest: OLD, imageTags: ['01OLD'], action: { type: 'EXPIRE' as const }, appliedRulePriority: 2 },
      { imageDigest: UNTAGGED, imageTags: [], action: { type: 'EXPIRE' as const }, appliedRulePriority: 2 },
    ],
  });

  it('starts a preview of the policy, polls it to COMPLETE and keeps what ECR does not act on', async () => {
    ecr.on(StartLifecyclePolicyPreviewCommand).resolves({ status: 'IN_PROGRESS' });
    ecr.on(GetLifecyclePolicyPreviewCommand).resolvesOnce({ status: 'IN_PROGRESS' }).resolves(complete());

    const preview = await registry().previewLifecyclePolicy('hello', POLICY);

    expect(preview).toEqual({
      expired: [
        { digest: OLD, tags: ['01OLD'], rulePriority: 2 },
        { digest: UNTAGGED, tags: [], rulePriority: 2 },
      ],
      transitioned: [],
      kept: [{ digest: DIGEST, tags: ['01NEW', 'slipway-release-1'] }],
    });
    const started = ecr.commandCalls(StartLifecyclePolicyPreviewCommand)[0]?.args[0].input;
    expect(started?.repositoryName).toBe('hello');
    expect(JSON.parse(started?.lifecyclePolicyText ?? '')).toEqual(POLICY);
    expect(ecr.commandCalls(GetLifecyclePolicyPreviewCommand)).toHaveLength(2);
  });

  it('reads every page of the results', async () => {
    ecr.on(StartLifecyclePolicyPreviewCommand).resolves({});
    const [first, second] = complete().previewResults;
    ecr
      .on(GetLifecyclePolicyPreviewCommand, { repositoryName: 'hello', maxResults: 100 })
      .resolves({ ...complete(), previewResults: [first!], nextToken: 'page-2' })
      .on(GetLifecyclePolicyPreviewCommand, { repositoryName: 'hello', maxResults: 100, nextToken: 'page-2' })
      .resolves({ ...complete(), previewResults: [second!] });

    const preview = await registry().previewLifecyclePolicy('hello', POLICY);

    expect(preview.expired.map((e) => e.digest)).toEqual([OLD, UNTAGGED]);
  });

  it('files archive transitions under transitioned', async () => {
    ecr.on(StartLifecyclePolicyPreviewCommand).resolves({});
    ecr.on(GetLifecyclePolicyPreviewCommand).resolves({
      ...complete(),
      previewResults: [
        { imageDigest: OLD, action: { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, appliedRulePriority: 1 },
      ],
    });

    const preview = await registry().previewLifecyclePolicy('hello', POLICY);

    expect(preview.transitioned).toEqual([{ digest: OLD, tags: ['01OLD'], rulePriority: 1 }]);
    expect(preview.expired).toEqual([]);
  });

  it('waits for a preview already running, then starts its own', async () => {
    const other = { rules: [{ ...POLICY.rules[1]!, rulePriority: 1 }] };
    ecr
      .on(StartLifecyclePolicyPreviewCommand)
      .rejectsOnce(awsError('LifecyclePolicyPreviewInProgressException', 400))
      .resolves({});
    ecr
      .on(GetLifecyclePolicyPreviewCommand)
      .resolvesOnce({ ...complete(other), previewResults: [] })
      .resolves(complete());

    const preview = await registry().previewLifecyclePolicy('hello', POLICY);

    expect(ecr.commandCalls(StartLifecyclePolicyPreviewCommand)).toHaveLength(2);
    expect(preview.expired).toHaveLength(2);
  });

  it('is LifecyclePreviewPendingError, saying to ask again, when ECR takes longer than the deadline', async () => {
    ecr.on(StartLifecyclePolicyPreviewCommand).resolves({});
    ecr.on(GetLifecyclePolicyPreviewCommand).resolves({ status: 'IN_PROGRESS' });

    const error = await registry(0)
      .previewLifecyclePolicy('hello', POLICY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LifecyclePreviewPendingError);
    expect((error as Error).message).toMatch(
      /still previewing the lifecycle policy of repository "hello".*ask again in a minute/,
    );
  });

  it.each(['FAILED', 'EXPIRED'] as const)('is LifecyclePreviewError when the preview ends %s', async (status) => {
    ecr.on(StartLifecyclePolicyPreviewCommand).resolves({});
    ecr.on(GetLifecyclePolicyPreviewCommand).resolves({ status });

    await expect(registry().previewLifecyclePolicy('hello', POLICY)).rejects.toBeInstanceOf(LifecyclePreviewError);
  });
});
