import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetImageCommand,
  GetLifecyclePolicyPreviewCommand,
  PutImageCommand,
  StartLifecyclePolicyPreviewCommand,
  type ECRClient,
  type GetLifecyclePolicyPreviewResponse,
  type LifecyclePolicyPreviewResult,
} from '@aws-sdk/client-ecr';
import { LifecyclePreviewPendingError, SlipwayError } from '../../domain/errors.ts';
import { ImageNotFoundError } from '../../ports/image-registry.ts';
import type { ActedOnImage, LifecyclePreview } from '../../domain/lifecycle/index.ts';
import type { RegistryImage } from '../../ports/image-registry.ts';
import { canonicalJson } from './canonical-json.ts';
import { ImmutableTagError, LifecyclePreviewError } from './errors.ts';
import { awsErrorName, callAws } from './transient.ts';
import { MANIFEST_MEDIA_TYPES } from '../../domain/images.ts';

export interface PreviewTiming {
  pollMs: number;
  timeoutMs: number;
}

/**
 * ECR's way to add a tag: read the manifest by digest (BatchGetImage) and put it again under the
 * tag (PutImage) with its media type. The push time stays the first push's.
 */
export async function tagEcrImage(client: ECRClient, repository: string, digest: string, tag: string): Promise<void> {
  let found;
  try {
    found = await callAws(`ECR BatchGetImage of ${digest} in "${repository}"`, () =>
      client.send(
        new BatchGetImageCommand({
          repositoryName: repository,
          imageIds: [{ imageDigest: digest }],
          acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
        }),
      ),
    );
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') throw new ImageNotFoundError(repository, digest);
    throw error;
  }
  const image = found.images?.find((i) => i.imageId?.imageDigest === digest) ?? found.images?.[0];
  if (!image?.imageManifest) {
    const failure = found.failures?.[0];
    if (!failure || failure.failureCode === 'ImageNotFound') throw new ImageNotFoundError(repository, digest);
    throw new SlipwayError(
      `ECR could not read image ${digest} of repository "${repository}" (${failure.failureCode}: ${failure.failureReason}).`,
    );
  }
  try {
    await callAws(`ECR PutImage of ${repository}:${tag}`, () =>
      client.send(
        new PutImageCommand({
          repositoryName: repository,
          imageManifest: image.imageManifest,
          ...(image.imageManifestMediaType && { imageManifestMediaType: image.imageManifestMediaType }),
          imageTag: tag,
          imageDigest: digest,
        }),
      ),
    );
  } catch (error) {
    const name = awsErrorName(error);
    // The tag already names this very image: nothing to do.
    if (name === 'ImageAlreadyExistsException') return;
    if (name === 'ImageTagAlreadyExistsException') throw new ImmutableTagError(repository, tag, { cause: error });
    throw error;
  }
}

/**
 * StartLifecyclePolicyPreview, then GetLifecyclePolicyPreview every `pollMs` until COMPLETE (all
 * pages), for at most `timeoutMs`: past that LifecyclePreviewPendingError says to ask again, and the
 * next call finds the preview still running and waits for it. What ECR does not act on is kept.
 */
export async function previewEcrLifecyclePolicy(
  client: ECRClient,
  repository: string,
  policyText: string,
  listImages: () => Promise<RegistryImage[]>,
  timing: PreviewTiming,
): Promise<LifecyclePreview> {
  const started = Date.now();
  const deadline = started + timing.timeoutMs;
  const pending = () => new LifecyclePreviewPendingError(repository, Math.round((Date.now() - started) / 1000));

  if (!(await startPreview(client, repository, policyText))) {
    // A preview is already running, perhaps ours from an earlier call: let it finish, then start ours.
    const running = await waitForPreview(client, repository, timing, deadline);
    if (!running) throw pending();
    if (!samePolicy(running.lifecyclePolicyText, policyText) && !(await startPreview(client, repository, policyText)))
      throw pending();
  }
  const first = await waitForPreview(client, repository, timing, deadline);
  if (!first) throw pending();
  if (!samePolicy(first.lifecyclePolicyText, policyText)) {
    throw new LifecyclePreviewError(
      `Another lifecycle policy preview of ECR repository "${repository}" started while ours ran. Preview again.`,
      repository,
    );
  }
  const results = [...(first.previewResults ?? [])];
  for (let nextToken = first.nextToken; nextToken;) {
    const page = await getPreview(client, repository, nextToken);
    results.push(...(page.previewResults ?? []));
    nextToken = page.nextToken;
  }
  return previewOf(results, await listImages());
}

/** false when ECR is already running a preview of this repository. */
async function startPreview(client: ECRClient, repository: string, policyText: string): Promise<boolean> {
  try {
    await callAws(`ECR StartLifecyclePolicyPreview of "${repository}"`, () =>
      client.send(
        new StartLifecyclePolicyPreviewCommand({ repositoryName: repository, lifecyclePolicyText: policyText }),
      ),
    );
    return true;
  } catch (error) {
    if (awsErrorName(error) === 'LifecyclePolicyPreviewInProgressException') return false;
    throw error;
  }
}

/** The first page of the preview once it is COMPLETE; undefined when the deadline comes first. */
async function waitForPreview(
  client: ECRClient,
  repository: string,
  timing: PreviewTiming,
  deadline: number,
): Promise<GetLifecyclePolicyPreviewResponse | undefined> {
  for (;;) {
    const page = await getPreview(client, repository);
    if (page.status === 'COMPLETE') return page;
    if (page.status === 'FAILED' || page.status === 'EXPIRED') {
      throw new LifecyclePreviewError(
        `ECR's lifecycle policy preview of repository "${repository}" ended ${page.status}. Preview again; if it fails again, check the policy with: slipway lifecycle render`,
        repository,
      );
    }
    if (Date.now() + timing.pollMs > deadline) return undefined;
    await sleep(timing.pollMs);
  }
}

async function getPreview(
  client: ECRClient,
  repository: string,
  nextToken?: string,
): Promise<GetLifecyclePolicyPreviewResponse> {
  return callAws(`ECR GetLifecyclePolicyPreview of "${repository}"`, () =>
    client.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: repository,
        maxResults: 100,
        ...(nextToken && { nextToken }),
      }),
    ),
  );
}

function previewOf(
  results: readonly LifecyclePolicyPreviewResult[],
  images: readonly RegistryImage[],
): LifecyclePreview {
  const acted = new Map(results.filter((r) => r.imageDigest).map((r) => [r.imageDigest!, r]));
  const preview: LifecyclePreview = { expired: [], transitioned: [], kept: [] };
  const add = (result: LifecyclePolicyPreviewResult, tags: readonly string[]) => {
    const entry: ActedOnImage = {
      digest: result.imageDigest!,
      tags: [...tags],
      rulePriority: result.appliedRulePriority ?? 0,
    };
    (result.action?.type === 'TRANSITION' ? preview.transitioned : preview.expired).push(entry);
  };
  for (const image of images) {
    const result = acted.get(image.digest);
    if (result) add(result, image.tags);
    else preview.kept.push({ digest: image.digest, tags: [...image.tags] });
    acted.delete(image.digest);
  }
  // Acted on but gone from DescribeImages since (pushed over, or deleted meanwhile).
  for (const result of acted.values()) add(result, result.imageTags ?? []);
  return preview;
}

function samePolicy(text: string | undefined, ours: string): boolean {
  if (text === undefined) return true;
  try {
    return canonicalJson(JSON.parse(text)) === canonicalJson(JSON.parse(ours));
  } catch {
    return false;
  }
}
