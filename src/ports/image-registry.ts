import type { LifecycleOutcome } from '../domain/images.ts';

/** The private image registry: ECR in AWS, the CNCF distribution registry on the local stack. */
export interface ImageRegistry {
  /** `ensureRepository('hello')` → `{ uri: '127.0.0.1:5000/hello' }`, creating the repository when missing. */
  ensureRepository(name: string): Promise<{ uri: string }>;
  /** `listImages('hello')` → every image with its digest, tags and push time, newest first. */
  listImages(repository: string): Promise<RegistryImage[]>;
  /**
   * `applyLifecyclePolicy('hello', policy)` makes the repository follow the policy:
   * ECR puts it (only when it changed) and expires on its own schedule; the local registry
   * evaluates it now and deletes the expired manifests by digest.
   */
  applyLifecyclePolicy(repository: string, policy: unknown): Promise<LifecycleOutcome>;
}

export interface RegistryImage {
  digest: string;
  tags: string[];
  pushedAt: string;
}
