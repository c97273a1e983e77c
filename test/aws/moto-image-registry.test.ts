import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrImageRegistry } from '../../src/adapters/aws/ecr-image-registry.ts';
import { requireMoto, startMoto, type Moto } from './support/moto.ts';

/**
 * EcrImageRegistry.findImage against moto's ECR: what Prepare asks to learn whether the repository
 * already holds an image for a build key (DescribeImages by tag, ImageNotFoundException when none).
 */
const moto = requireMoto();

/** A minimal image manifest; moto derives the digest from its bytes as ECR does. */
function manifest(layer: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 7023,
      digest: `sha256:${'c'.repeat(64)}`,
    },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: `sha256:${layer}` },
    ],
  });
}

describe.skipIf(!moto.available)(`emulated AWS: finding an image by tag in moto's ECR (${moto.reason})`, () => {
  let aws: Moto;
  let client: ECRClient;
  let registry: EcrImageRegistry;

  beforeAll(async () => {
    aws = await startMoto();
    client = new ECRClient({
      endpoint: aws.endpoint,
      region: aws.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    registry = new EcrImageRegistry({ client });
    await client.send(new CreateRepositoryCommand({ repositoryName: 'hello' }));
  });

  afterAll(async () => {
    client?.destroy();
    await aws?.stop();
  });

  it('finds the digest of the image a build-key tag names', async () => {
    const tag = `key-${'a'.repeat(64)}`;
    const pushed = await client.send(
      new PutImageCommand({ repositoryName: 'hello', imageManifest: manifest('1'.repeat(64)), imageTag: tag }),
    );

    expect(await registry.findImage('hello', tag)).toEqual({ digest: pushed.image?.imageId?.imageDigest });
  });

  it('finds nothing for a tag the repository does not hold', async () => {
    expect(await registry.findImage('hello', `key-${'b'.repeat(64)}`)).toBeUndefined();
  });

  it('finds nothing in a repository that does not exist', async () => {
    expect(await registry.findImage('nope', `key-${'a'.repeat(64)}`)).toBeUndefined();
  });
});
