import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
  type Repository,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcrImageRegistry } from '../../../../src/adapters/aws/ecr-image-registry.ts';
import { TransientError } from '../../../../src/domain/errors.ts';
import { awsError } from './aws-error.ts';

const ecr = mockClient(ECRClient);
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello';

function repository(): Repository {
  return {
    repositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/hello',
    registryId: '123456789012',
    repositoryName: 'hello',
    repositoryUri: URI,
    createdAt: new Date('2024-11-01T09:00:00.000Z'),
    imageTagMutability: 'MUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

/** The policy awsx writes for `{ selection: "untagged", maximumAgeLimit: 7 }`, as ECR's GetLifecyclePolicy returns it. */
const POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: 'remove untagged images older than 7 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
      action: { type: 'expire' },
    },
  ],
};
const POLICY_OTHER_KEY_ORDER =
  '{"rules":[{"action":{"type":"expire"},"selection":{"countNumber":7,"countUnit":"days","countType":"sinceImagePushed","tagStatus":"untagged"},"description":"remove untagged images older than 7 days","rulePriority":1}]}';

describe('EcrImageRegistry', () => {
  beforeEach(() => {
    ecr.reset();
  });

  it('returns the URI of a repository that exists without creating it', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [repository()] });
    const registry = new EcrImageRegistry({ client: new ECRClient({}) });

    const result = await registry.ensureRepository('hello');

    expect(result).toEqual({ uri: URI });
    expect(ecr.commandCalls(DescribeRepositoriesCommand)[0]?.args[0].input).toEqual({ repositoryNames: ['hello'] });
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
  });

  it('creates a missing repository scanned on push, encrypted with AES256, with mutable tags', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(awsError('RepositoryNotFoundException', 400));
    ecr.on(CreateRepositoryCommand).resolves({ repository: repository() });
    const registry = new EcrImageRegistry();

    const result = await registry.ensureRepository('hello');

    expect(result).toEqual({ uri: URI });
    expect(ecr.commandCalls(CreateRepositoryCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'hello',
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
  });

  it('uses the repository another run created between its describe and create', async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .rejectsOnce(awsError('RepositoryNotFoundException', 400))
      .resolves({ repositories: [repository()] });
    ecr.on(CreateRepositoryCommand).rejects(awsError('RepositoryAlreadyExistsException', 400));
    const registry = new EcrImageRegistry();

    const result = await registry.ensureRepository('hello');

    expect(result).toEqual({ uri: URI });
    expect(ecr.commandCalls(DescribeRepositoriesCommand)).toHaveLength(2);
  });

  it('lists the images of every page, newest first', async () => {
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'hello', maxResults: 1000 })
      .resolves({
        imageDetails: [
          {
            imageDigest: 'sha256:' + '01'.repeat(32),
            imageTags: ['01JA'],
            imagePushedAt: new Date('2024-11-01T10:00:00.000Z'),
          },
          { imageDigest: 'sha256:' + '03'.repeat(32), imagePushedAt: new Date('2024-11-03T10:00:00.000Z') },
        ],
        nextToken: 'page-2',
      })
      .on(DescribeImagesCommand, { repositoryName: 'hello', maxResults: 1000, nextToken: 'page-2' })
      .resolves({
        imageDetails: [
          {
            imageDigest: 'sha256:' + '02'.repeat(32),
            imageTags: ['01JB', 'git-a1b2c3d'],
            imagePushedAt: new Date('2024-11-02T10:00:00.000Z'),
          },
        ],
      });
    const registry = new EcrImageRegistry();

    const images = await registry.listImages('hello');

    expect(images).toEqual([
      { digest: 'sha256:' + '03'.repeat(32), tags: [], pushedAt: '2024-11-03T10:00:00.000Z' },
      { digest: 'sha256:' + '02'.repeat(32), tags: ['01JB', 'git-a1b2c3d'], pushedAt: '2024-11-02T10:00:00.000Z' },
      { digest: 'sha256:' + '01'.repeat(32), tags: ['01JA'], pushedAt: '2024-11-01T10:00:00.000Z' },
    ]);
    expect(ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: 'hello', maxResults: 1000 },
      { repositoryName: 'hello', maxResults: 1000, nextToken: 'page-2' },
    ]);
  });

  it('lists no images for a repository that does not exist', async () => {
    ecr.on(DescribeImagesCommand).rejects(awsError('RepositoryNotFoundException', 400));

    await expect(new EcrImageRegistry().listImages('nope')).resolves.toEqual([]);
  });

  it('puts the lifecycle policy on a repository that has none', async () => {
    ecr.on(GetLifecyclePolicyCommand).rejects(awsError('LifecyclePolicyNotFoundException', 400));
    ecr.on(PutLifecyclePolicyCommand).resolves({ repositoryName: 'hello' });
    const registry = new EcrImageRegistry();

    const outcome = await registry.applyLifecyclePolicy('hello', POLICY);

    expect(outcome).toEqual({ policyChanged: true, expired: [] });
    const put = ecr.commandCalls(PutLifecyclePolicyCommand)[0]?.args[0].input;
    expect(put?.repositoryName).toBe('hello');
    expect(JSON.parse(put?.lifecyclePolicyText ?? '')).toEqual(POLICY);
  });

  it('leaves an equal policy alone whatever its key order', async () => {
    ecr
      .on(GetLifecyclePolicyCommand)
      .resolves({ repositoryName: 'hello', lifecyclePolicyText: POLICY_OTHER_KEY_ORDER });
    const registry = new EcrImageRegistry();

    const outcome = await registry.applyLifecyclePolicy('hello', POLICY);

    expect(outcome).toEqual({ policyChanged: false, expired: [] });
    expect(ecr.commandCalls(GetLifecyclePolicyCommand)[0]?.args[0].input).toEqual({ repositoryName: 'hello' });
    expect(ecr.commandCalls(PutLifecyclePolicyCommand)).toHaveLength(0);
  });

  it('replaces a policy that differs', async () => {
    const stored = structuredClone(POLICY);
    (stored.rules[0] as { selection: { countNumber: number } }).selection.countNumber = 14;
    ecr
      .on(GetLifecyclePolicyCommand)
      .resolves({ repositoryName: 'hello', lifecyclePolicyText: JSON.stringify(stored) });
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    const registry = new EcrImageRegistry();

    const outcome = await registry.applyLifecyclePolicy('hello', POLICY);

    expect(outcome.policyChanged).toBe(true);
    expect(JSON.parse(ecr.commandCalls(PutLifecyclePolicyCommand)[0]?.args[0].input.lifecyclePolicyText ?? '')).toEqual(
      POLICY,
    );
  });

  it('finds the image a tag names with DescribeImages by tag', async () => {
    const digest = `sha256:${'3f'.repeat(32)}`;
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [{ repositoryName: 'hello', imageDigest: digest, imageTags: ['01J', `key-${'a'.repeat(64)}`] }],
    });

    const found = await new EcrImageRegistry().findImage('hello', `key-${'a'.repeat(64)}`);

    expect(found).toEqual({ digest });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'hello',
      imageIds: [{ imageTag: `key-${'a'.repeat(64)}` }],
    });
  });

  it.each(['ImageNotFoundException', 'RepositoryNotFoundException'])(
    'finds nothing when DescribeImages answers %s',
    async (name) => {
      ecr.on(DescribeImagesCommand).rejects(awsError(name, 400));

      expect(await new EcrImageRegistry().findImage('hello', 'key-0')).toBeUndefined();
    },
  );

  it('turns a throttled DescribeImages by tag into a TransientError', async () => {
    ecr.on(DescribeImagesCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));

    await expect(new EcrImageRegistry().findImage('hello', 'key-0')).rejects.toBeInstanceOf(TransientError);
  });

  it('turns a throttled call into a TransientError', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));

    await expect(new EcrImageRegistry().ensureRepository('hello')).rejects.toBeInstanceOf(TransientError);
  });

  it('lets other errors through unchanged', async () => {
    const denied = awsError('AccessDeniedException', 400);
    ecr.on(DescribeRepositoriesCommand).rejects(denied);

    await expect(new EcrImageRegistry().ensureRepository('hello')).rejects.toBe(denied);
  });
});
