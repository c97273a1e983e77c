/** What applying a lifecycle policy did: whether the stored policy changed, and what was removed now (local registry). */
export interface LifecycleOutcome {
  policyChanged: boolean;
  expired: { digest: string; tags: string[]; rulePriority: number }[];
}

/** `imageReference('127.0.0.1:5000/hello', 'sha256:ab…')` → `127.0.0.1:5000/hello@sha256:ab…`: deploys pin the digest, never a tag. */
export function imageReference(repositoryUri: string, digest: string): string {
  return `${repositoryUri}@${digest}`;
}

/** `isDigest('sha256:' + 64 hex)` → true */
export function isDigest(value: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}
