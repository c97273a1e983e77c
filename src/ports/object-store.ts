/** Where build contexts live: S3 in AWS, an S3-compatible server on the local stack. */
export interface ObjectStore {
  /**
   * `createUpload({ key: 'contexts/hello/01J….tar.gz', contentType: 'application/gzip', expiresInSeconds: 900, maxBytes: 500 * 1024 * 1024 })`
   * → a presigned POST (S3 browser-based upload) whose signed policy pins the key, the content type and the
   * metadata, and caps the size at `maxBytes`: the store itself refuses anything else.
   */
  createUpload(request: UploadRequest): Promise<PresignedPost>;
  /** `createDownload({ key, expiresInSeconds: 3600 })` → a presigned GET: the local build runner fetches a context with it, outside the build's environment. */
  createDownload(request: { key: string; expiresInSeconds: number }): Promise<PresignedRequest>;
  /** `head('contexts/hello/01J….tar.gz')` → size and metadata, or undefined when there is no such object. */
  head(key: string): Promise<StoredObject | undefined>;
  /** `put({ key, body, contentType, metadata })` stores an object (the webhook stores fetched sources this way). */
  put(object: { key: string; body: Uint8Array; contentType: string; metadata?: Record<string, string> }): Promise<void>;
  /** `get('contexts/…')` → the object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * `stream('contexts/hello/01J….tar.gz')` → the object's size and metadata, and its bytes as they arrive (a
   * context may be far larger than a function should hold), or undefined when there is none: one request
   * where `head` then `get` would be two. A read that breaks off is a TransientError.
   */
  stream(key: string): Promise<StreamedObject | undefined>;
  /** `getVersion('guards/deploys/web.json')` → the object's bytes and its ETag (what `putIf` compares), or undefined when there is none. */
  getVersion(key: string): Promise<VersionedObject | undefined>;
  /**
   * `putIf({ key, body, contentType }, { ifNoneMatch: '*' })` stores the object only if the condition
   * holds when the store applies it (S3 conditional writes: `If-None-Match: *` creates, `If-Match: <etag>`
   * replaces that version). → `{ written: true, etag }`, or `{ written: false }` when another writer got
   * there first (412 Precondition Failed, 409 ConditionalRequestConflict, or no object for `ifMatch`).
   */
  putIf(
    object: { key: string; body: Uint8Array; contentType: string },
    condition: WriteCondition,
  ): Promise<ConditionalWrite>;
  /** `list('waits/rollouts/')` → the keys under the prefix, in key order (every page). */
  list(prefix: string): Promise<string[]>;
  /** `delete('waits/builds/….json')` removes the object; a key with no object is no error. */
  delete(key: string): Promise<void>;
}

export interface VersionedObject {
  body: Uint8Array;
  /** The ETag as the store returns it (quotes included). */
  etag: string;
}

export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export type ConditionalWrite = { written: true; etag: string } | { written: false };

export interface UploadRequest {
  key: string;
  contentType: string;
  expiresInSeconds: number;
  /** The largest object the upload may store (the policy's content-length-range is 1..maxBytes). */
  maxBytes: number;
  metadata?: Record<string, string>;
}

/**
 * A presigned POST: send `multipart/form-data` to `url` with every field of `fields` exactly as given
 * (they are covered by the signed policy), then the object as the last part, named `file`.
 */
export interface PresignedPost {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

export interface PresignedRequest {
  method: 'GET';
  url: string;
  /** Headers the client must send exactly as given: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface StoredObject {
  key: string;
  size: number;
  metadata: Record<string, string>;
}

/** An object being read: what `head` tells, and the bytes, read once. */
export interface StreamedObject extends StoredObject {
  body: AsyncIterable<Uint8Array>;
}
