import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { InvalidInputError, SlipwayError } from '../../domain/errors.ts';
import type { LifecycleOutcome } from '../../domain/images.ts';
import type { EcrLifecyclePolicy, LifecyclePreview } from '../../domain/lifecycle/index.ts';
import type { ImageRegistry, RegistryImage } from '../../ports/image-registry.ts';
import { canonicalJson } from './canonical-json.ts';
import { previewEcrLifecyclePolicy, tagEcrImage, type PreviewTiming } from './ecr-lifecycle.ts';
import { awsErrorName, callAws } from './transient.ts';

export interface EcrImageRegistryOptions {
  client?: ECRClient;
  /** How a lifecycle preview is waited for: every `pollMs` (2 s) for at most `timeoutMs` (25 s, under API Gateway's 30 s). */
  preview?: Partial<PreviewTiming>;
}

/** The ImageRegistry port over private ECR repositories in the client's account and region. */
export class EcrImageRegistry implements ImageRegistry {
  private readonly client: ECRClient;
  private readonly preview: PreviewTiming;

  constructor(options: EcrImageRegistryOptions = {}) {
    this.client = options.client ?? new ECRClient({});
    this.preview = { pollMs: 2000, timeoutMs: 25_000, ...options.preview };
  }

  async ensureRepository(name: string): Promise<{ uri: string }> {
    const existing = await this.describeRepository(name);
    if (existing) return { uri: existing };
    try {
      const created = await callAws(`ECR CreateRepository of "${name}"`, () =>
        this.client.send(
          new CreateRepositoryCommand({
            repositoryName: name,
            // MUTABLE, not IMMUTABLE: run-id tags are never reused, but the buildspec re-pushes the
            // `buildcache` tag on every build and a rebuild of the same commit re-pushes `git-<sha>`;
            // an immutable repository would fail those pushes. Deploys pin digests, so a moved tag
            // never changes what runs.
            imageTagMutability: 'MUTABLE',
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfiguration: { encryptionType: 'AES256' },
          }),
        ),
      );
      const uri = created.repository?.repositoryUri;
      if (uri) return { uri };
    } catch (error) {
      // Another run created it between our describe and create.
      if (awsErrorName(error) !== 'RepositoryAlreadyExistsException') throw error;
    }
    const uri = await this.describeRepository(name);
    if (!uri)
      throw new SlipwayError(
        `ECR repository "${name}" was created but cannot be described. Check the caller's ecr:DescribeRepositories permission.`,
      );
    return { uri };
  }

  async listImages(repository: string): Promise<RegistryImage[]> {
    const images: RegistryImage[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await callAws(`ECR DescribeImages of "${repository}"`, () =>
          this.client.send(
            new DescribeImagesCommand({
              repositoryName: repository,
              maxResults: 1000,
              ...(nextToken && { nextToken }),
            }),
          ),
        );
      } catch (error) {
        // A repository that does not exist holds no images.
        if (awsErrorName(error) === 'RepositoryNotFoundException') return [];
        throw error;
      }
      for (const detail of page.imageDetails ?? []) {
        if (!detail.imageDigest) continue;
        images.push({
          digest: detail.imageDigest,
          tags: detail.imageTags ?? [],
          pushedAt: (detail.imagePushedAt ?? new Date(0)).toISOString(),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return images.sort((a, b) => b.pushedAt.localeCompare(a.pushedAt));
  }

  async findImage(repository: string, tag: string): Promise<{ digest: string } | undefined> {
    const found = await callAws(`ECR DescribeImages of ${repository}:${tag}`, () =>
      this.client.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] })),
    ).catch((error: unknown) => {
      // No such tag, or no such repository: no image.
      if (!/(Image|Repository)NotFound/.test(awsErrorName(error) ?? '')) throw error;
    });
    const digest = found?.imageDetails?.[0]?.imageDigest;
    return digest ? { digest } : undefined;
  }

  async applyLifecyclePolicy(repository: string, policy: unknown): Promise<LifecycleOutcome> {
    const wanted = canonicalJson(parsePolicy(repository, policy));
    const current = await this.currentPolicy(repository);
    if (current !== undefined && canonicalJson(current) === wanted) return { policyChanged: false, expired: [] };
    await callAws(`ECR PutLifecyclePolicy of "${repository}"`, () =>
      this.client.send(new PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: wanted })),
    );
    // ECR evaluates the policy on its own schedule (within a day); nothing is expired here and now.
    return { policyChanged: true, expired: [] };
  }

  async previewLifecyclePolicy(repository: string, policy: EcrLifecyclePolicy): Promise<LifecyclePreview> {
    return previewEcrLifecyclePolicy(
      this.client,
      repository,
      canonicalJson(policy),
      () => this.listImages(repository),
      this.preview,
    );
  }

  async tagImage(repository: string, digest: string, tag: string): Promise<void> {
    await tagEcrImage(this.client, repository, digest, tag);
  }

  private async describeRepository(name: string): Promise<string | undefined> {
    try {
      const output = await callAws(`ECR DescribeRepositories of "${name}"`, () =>
        this.client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
      );
      return (
        output.repositories?.find((r) => r.repositoryName === name)?.repositoryUri ??
        output.repositories?.[0]?.repositoryUri
      );
    } catch (error) {
      if (awsErrorName(error) === 'RepositoryNotFoundException') return undefined;
      throw error;
    }
  }

  private async currentPolicy(repository: string): Promise<unknown> {
    try {
      const output = await callAws(`ECR GetLifecyclePolicy of "${repository}"`, () =>
        this.client.send(new GetLifecyclePolicyCommand({ repositoryName: repository })),
      );
      if (!output.lifecyclePolicyText) return undefined;
      try {
        return JSON.parse(output.lifecyclePolicyText);
      } catch {
        // Unreadable: treat it as different so ours replaces it.
        return undefined;
      }
    } catch (error) {
      if (awsErrorName(error) === 'LifecyclePolicyNotFoundException') return undefined;
      throw error;
    }
  }
}

function parsePolicy(repository: string, policy: unknown): unknown {
  if (typeof policy !== 'string') return policy;
  try {
    return JSON.parse(policy);
  } catch (error) {
    throw new InvalidInputError(
      `The lifecycle policy for ECR repository "${repository}" is a string but not JSON (${String(error)}). Pass the policy object.`,
    );
  }
}
