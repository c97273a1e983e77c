import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageNotFoundError } from '../../src/ports/image-registry.ts';
import type { EcrLifecyclePolicy } from '../../src/domain/lifecycle/index.ts';
import type { ImageRegistry } from '../../src/ports/image-registry.ts';

export interface ImageRegistryFixture {
  registry: ImageRegistry;
  /** Pushes a new, distinct image to `repository` under `tag` and returns its digest. */
  push(repository: string, tag: string): Promise<string>;
  teardown(): Promise<void>;
}

/** Expires every image but the newest: enough to see that a preview deletes nothing. */
const KEEP_ONE: EcrLifecyclePolicy = {
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
};

/** The ImageRegistry contract for what keepReleases and the lifecycle preview rely on; every adapter must pass it. */
export function imageRegistryContract(name: string, setup: () => Promise<ImageRegistryFixture>): void {
  describe(`ImageRegistry contract: ${name}`, () => {
    let fixture: ImageRegistryFixture;
    let repo = 0;
    const repository = () => `contract-${process.pid}-${++repo}`;
    const tagsOf = async (repo: string, digest: string) =>
      (await fixture.registry.listImages(repo)).find((i) => i.digest === digest)?.tags;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('lists a pushed image with its digest and tag', async () => {
      const repo = repository();
      const digest = await fixture.push(repo, 'v1');

      expect(await fixture.registry.listImages(repo)).toEqual([
        { digest, tags: ['v1'], pushedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      ]);
    });

    it('adds a tag to an image, which keeps its other tags and its push time', async () => {
      const repo = repository();
      const digest = await fixture.push(repo, 'v1');
      const [before] = await fixture.registry.listImages(repo);

      await fixture.registry.tagImage(repo, digest, 'slipway-release-1');

      expect(await fixture.registry.listImages(repo)).toEqual([
        { digest, tags: ['slipway-release-1', 'v1'], pushedAt: before?.pushedAt },
      ]);
    });

    it('moves a tag off the image that had it', async () => {
      const repo = repository();
      const first = await fixture.push(repo, 'v1');
      const second = await fixture.push(repo, 'v2');
      await fixture.registry.tagImage(repo, first, 'slipway-release-1');

      await fixture.registry.tagImage(repo, second, 'slipway-release-1');

      expect(await tagsOf(repo, first)).toEqual(['v1']);
      expect(await tagsOf(repo, second)).toEqual(['slipway-release-1', 'v2']);
    });

    it('accepts tagging an image with a tag it already has', async () => {
      const repo = repository();
      const digest = await fixture.push(repo, 'v1');
      await fixture.registry.tagImage(repo, digest, 'slipway-release-1');

      await fixture.registry.tagImage(repo, digest, 'slipway-release-1');

      expect(await tagsOf(repo, digest)).toEqual(['slipway-release-1', 'v1']);
    });

    it('finds the image a tag names, and nothing for a tag or repository it does not hold', async () => {
      const repo = repository();
      await fixture.push(repo, 'v1');
      const digest = await fixture.push(repo, 'v2');

      expect(await fixture.registry.findImage(repo, 'v2')).toEqual({ digest });
      expect(await fixture.registry.findImage(repo, 'v3')).toBeUndefined();
      expect(await fixture.registry.findImage(repository(), 'v1')).toBeUndefined();
    });

    it('finds the image a moved tag names now', async () => {
      const repo = repository();
      const first = await fixture.push(repo, 'v1');
      const second = await fixture.push(repo, 'v2');
      await fixture.registry.tagImage(repo, first, 'key-1');

      await fixture.registry.tagImage(repo, second, 'key-1');

      expect(await fixture.registry.findImage(repo, 'key-1')).toEqual({ digest: second });
    });

    it('is ImageNotFoundError for a digest the repository does not hold', async () => {
      const repo = repository();
      await fixture.push(repo, 'v1');

      await expect(
        fixture.registry.tagImage(repo, `sha256:${'0'.repeat(64)}`, 'slipway-release-1'),
      ).rejects.toBeInstanceOf(ImageNotFoundError);
    });

    it('previews what a policy would expire and deletes nothing', async () => {
      const repo = repository();
      const older = await fixture.push(repo, 'v1');
      const newer = await fixture.push(repo, 'v2');
      // Push times are what count rules order by: make sure the second push is the newer one.
      const images = await fixture.registry.listImages(repo);
      expect(images.map((i) => i.digest)).toEqual([newer, older]);

      const preview = await fixture.registry.previewLifecyclePolicy(repo, KEEP_ONE);

      expect(preview).toEqual({
        expired: [{ digest: older, tags: ['v1'], rulePriority: 1 }],
        transitioned: [],
        kept: [{ digest: newer, tags: ['v2'] }],
      });
      expect((await fixture.registry.listImages(repo)).map((i) => i.digest)).toEqual([newer, older]);
    });
  });
}

/**
 * The errors every ImageRegistry throws, runnable against an adapter whose registry is scripted
 * (ECR through aws-sdk-client-mock): `missingDigest` names an image the registry does not hold.
 */
export function imageRegistryErrorContract(
  name: string,
  setup: () => { registry: ImageRegistry; repository: string; missingDigest: string; missingTag: string },
): void {
  describe(`ImageRegistry error contract: ${name}`, () => {
    it('finds nothing, rather than failing, for a tag the repository does not hold', async () => {
      const { registry, repository, missingTag } = setup();

      expect(await registry.findImage(repository, missingTag)).toBeUndefined();
    });

    it('throws ImageNotFoundError (kind not-found) when tagging a digest the repository does not hold', async () => {
      const { registry, repository, missingDigest } = setup();

      const error = await registry
        .tagImage(repository, missingDigest, 'slipway-release-1')
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ImageNotFoundError);
      expect(error).toMatchObject({ name: 'ImageNotFoundError', kind: 'not-found', repository, digest: missingDigest });
    });
  });
}
