/** What applying a lifecycle policy did: whether the stored policy changed, and what was removed now (local registry). */
export interface LifecycleOutcome {
  policyChanged: boolean;
  expired: { digest: string; tags: string[]; rulePriority: number }[];
}

/** The manifest media types a registry is asked for (OCI and Docker v2, single images and indexes), so it answers with the manifest as pushed and its real digest. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** `imageReference('127.0.0.1:5000/hello', 'sha256:ab…')` → `127.0.0.1:5000/hello@sha256:ab…`: deploys pin the digest, never a tag. */
export function imageReference(repositoryUri: string, digest: string): string {
  return `${repositoryUri}@${digest}`;
}

/** `isDigest('sha256:' + 64 hex)` → true */
export function isDigest(value: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}
