import { SlipwayError, type ErrorKind } from '../domain/errors.ts';
import type { LifecycleOutcome } from '../domain/images.ts';
import type { EcrLifecyclePolicy, LifecyclePreview } from '../domain/lifecycle/index.ts';

/** The private image registry: ECR in AWS, the CNCF distribution registry on the local stack. */
export interface ImageRegistry {
  /** `ensureRepository('hello')` → `{ uri: '127.0.0.1:5000/hello' }`, creating the repository when missing. */
  ensureRepository(name: string): Promise<{ uri: string }>;
  /** `listImages('hello')` → every image with its digest, tags and push time, newest first. */
  listImages(repository: string): Promise<RegistryImage[]>;
  /**
   * `findImage('hello', 'key-3f…')` → `{ digest }` of the image the tag names now, or undefined when
   * the repository or the tag does not exist (an expired image takes its tags with it).
   */
  findImage(repository: string, tag: string): Promise<{ digest: string } | undefined>;
  /**
   * `applyLifecyclePolicy('hello', policy)` makes the repository follow the policy:
   * ECR puts it (only when it changed) and expires on its own schedule; the local registry
   * evaluates it now and deletes the expired manifests by digest.
   */
  applyLifecyclePolicy(repository: string, policy: unknown): Promise<LifecycleOutcome>;
  /**
   * `previewLifecyclePolicy('hello', policy)` → what the policy would expire, archive and keep among
   * the repository's images now, changing nothing: ECR's lifecycle policy preview, or the evaluator
   * over the local registry's images.
   */
  previewLifecyclePolicy(repository: string, policy: EcrLifecyclePolicy): Promise<LifecyclePreview>;
  /**
   * `tagImage('hello', 'sha256:ab…', 'slipway-release-1')` points the tag at the image (the same
   * manifest, pushed again under the tag), moving it off any other image; the image keeps its other
   * tags and its push time. ImageNotFoundError when the repository has no such digest.
   */
  tagImage(repository: string, digest: string, tag: string): Promise<void>;
}

export interface RegistryImage {
  digest: string;
  tags: string[];
  pushedAt: string;
}

/** The repository holds no image with this digest: it was expired, deleted, or never pushed there. */
export class ImageNotFoundError extends SlipwayError {
  override name = 'ImageNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly repository: string,
    readonly digest: string,
  ) {
    super(
      `Repository "${repository}" has no image ${digest}. It may have been expired by a lifecycle rule or deleted; deploy again to build and push it anew.`,
    );
  }
}
