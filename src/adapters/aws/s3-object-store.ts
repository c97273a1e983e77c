import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InvalidInputError, SlipwayError, TransientError } from '../../domain/errors.ts';
import { systemClock, type Clock } from '../../ports/clock.ts';
import { awsErrorName, isTransient } from './transient.ts';
import type {
  ConditionalWrite,
  ObjectStore,
  PresignedPost,
  PresignedRequest,
  StoredObject,
  StreamedObject,
  UploadRequest,
  VersionedObject,
  WriteCondition,
} from '../../ports/object-store.ts';

export interface S3ClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  forcePathStyle?: boolean;
}

/**
 * `createS3Client({ endpoint: 'http://127.0.0.1:4569', forcePathStyle: true, region, credentials })`.
 * Checksums are only computed when an operation requires them: otherwise the SDK adds
 * `x-amz-checksum-*` parameters to presigned URLs, which a plain PUT of other bytes cannot satisfy.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
  return new S3Client(config);
}

export interface S3ObjectStoreOptions {
  bucket: string;
  client?: S3Client;
  /** Signing time of presigned requests (and so their expiry). */
  clock?: Clock;
}

/** The ObjectStore port over S3 (or any endpoint speaking S3 with SigV4, such as the local stack's). */
export class S3ObjectStore implements ObjectStore {
  private readonly bucket: string;
  private readonly client: S3Client;
  private readonly clock: Clock;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client ?? createS3Client();
    this.clock = options.clock ?? systemClock;
  }

  async createUpload(request: UploadRequest): Promise<PresignedPost> {
    checkExpiry(request.key, request.expiresInSeconds);
    checkMaxBytes(request.key, request.maxBytes);
    const metadata = toS3Metadata(request.key, request.metadata);
    // Every field becomes an exact-match condition of the signed policy (createPresignedPost adds
    // bucket, key, algorithm, credential and date itself): the uploader cannot change any of them.
    const fields = {
      'Content-Type': request.contentType,
      ...Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
    };
    const signingDate = this.clock.now();
    const post = await this.presign('createUpload', request.key, () =>
      createPresignedPost(clientSigningAt(this.client, signingDate), {
        Bucket: this.bucket,
        Key: request.key,
        Fields: fields,
        Conditions: [['content-length-range', 1, request.maxBytes]],
        Expires: request.expiresInSeconds,
      }),
    );
    return {
      method: 'POST',
      url: post.url,
      fields: post.fields,
      expiresAt: expiresAt(signingDate, request.expiresInSeconds),
      maxBytes: request.maxBytes,
    };
  }

  async createDownload(request: { key: string; expiresInSeconds: number }): Promise<PresignedRequest> {
    checkExpiry(request.key, request.expiresInSeconds);
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: request.key });
    const signingDate = this.clock.now();
    const url = await this.presign('createDownload', request.key, () =>
      getSignedUrl(this.client, command, { expiresIn: request.expiresInSeconds, signingDate }),
    );
    return { method: 'GET', url, headers: {}, expiresAt: expiresAt(signingDate, request.expiresInSeconds) };
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: output.ContentLength ?? 0, metadata: output.Metadata ?? {} };
    } catch (error) {
      if (awsErrorName(error) === 'NotFound' || httpStatus(error) === 404) return undefined;
      throw this.toSlipwayError('HeadObject', key, error);
    }
  }

  async put(object: {
    key: string;
    body: Uint8Array;
    contentType: string;
    metadata?: Record<string, string>;
  }): Promise<void> {
    const metadata = toS3Metadata(object.key, object.metadata);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          Metadata: metadata,
        }),
      );
    } catch (error) {
      throw this.toSlipwayError('PutObject', object.key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!output.Body) return new Uint8Array();
      return await output.Body.transformToByteArray();
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return undefined;
      throw this.toSlipwayError('GetObject', key, error);
    }
  }

  async stream(key: string): Promise<StreamedObject | undefined> {
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return undefined;
      throw this.toSlipwayError('GetObject', key, error);
    }
    // In Node the SDK's body is the response stream itself: an async iterable of chunks.
    const body = (output.Body as AsyncIterable<Uint8Array> | undefined) ?? [];
    return { key, size: output.ContentLength ?? 0, metadata: output.Metadata ?? {}, body: this.chunks(key, body) };
  }

  async getVersion(key: string): Promise<VersionedObject | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
      return { body, etag: output.ETag ?? '' };
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return undefined;
      throw this.toSlipwayError('GetObject', key, error);
    }
  }

  async putIf(
    object: { key: string; body: Uint8Array; contentType: string },
    condition: WriteCondition,
  ): Promise<ConditionalWrite> {
    try {
      const output = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          ...('ifNoneMatch' in condition ? { IfNoneMatch: condition.ifNoneMatch } : { IfMatch: condition.ifMatch }),
        }),
      );
      return { written: true, etag: output.ETag ?? '' };
    } catch (error) {
      // 412: the condition failed; 409: a concurrent conditional write to the key won; 404: If-Match on a key with no object.
      const status = httpStatus(error);
      if (status === 412 || status === 409 || status === 404) return { written: false };
      if (['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey'].includes(awsErrorName(error) ?? ''))
        return { written: false };
      throw this.toSlipwayError('PutObject', object.key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token !== undefined && { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.toSlipwayError('ListObjectsV2', prefix, error);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      // S3 answers 204 for a key with no object too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return;
      throw this.toSlipwayError('DeleteObject', key, error);
    }
  }

  /** The body's chunks; a connection that breaks off mid-object is worth another try. */
  private async *chunks(
    key: string,
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk;
    } catch (error) {
      throw new TransientError(
        `S3 GetObject of s3://${this.bucket}/${key} broke off while reading (${(error as Error).message}). It is safe to retry.`,
        { cause: error },
      );
    }
  }

  private async presign<T>(operation: string, key: string, sign: () => Promise<T>): Promise<T> {
    try {
      return await sign();
    } catch (error) {
      throw this.toSlipwayError(operation, key, error);
    }
  }

  private toSlipwayError(operation: string, key: string, error: unknown): SlipwayError {
    const where = `s3://${this.bucket}/${key}`;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    if (isTransient(error)) {
      return new TransientError(`S3 ${operation} of ${where} failed for now (${reason}). It is safe to retry.`, {
        cause: error,
      });
    }
    if (awsErrorName(error) === 'NoSuchBucket') {
      return new SlipwayError(
        `S3 bucket "${this.bucket}" does not exist (${operation} of ${where}). Check the bucket name in the deployment's settings.`,
        {
          cause: error,
        },
      );
    }
    return new SlipwayError(
      `S3 ${operation} of ${where} failed: ${reason}. Check the bucket name and the caller's S3 permissions.`,
      {
        cause: error,
      },
    );
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const HEADER_VALUE = /^[\x20-\x7e]*$/;

/** S3 metadata travels as `x-amz-meta-*` headers: lower-case token names, printable ASCII values. */
function toS3Metadata(key: string, metadata: Record<string, string> = {}): Record<string, string> {
  const entries = Object.entries(metadata).map(([name, value]) => [name.toLowerCase(), value] as const);
  const issues = entries.flatMap(([name, value]) => [
    ...(HEADER_NAME.test(name) ? [] : [`metadata name "${name}" must be letters, digits or -_.`]),
    ...(HEADER_VALUE.test(value)
      ? []
      : [`metadata "${name}" must be printable ASCII (encode other text, e.g. with encodeURIComponent)`]),
  ]);
  if (issues.length) throw new InvalidInputError(`Cannot store "${key}": ${issues.join('; ')}.`, issues);
  return Object.fromEntries(entries);
}

const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;
/** S3 stores at most 5 GiB from one POST upload. */
const MAX_POST_BYTES = 5 * 1024 * 1024 * 1024;

function checkMaxBytes(key: string, maxBytes: number): void {
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_POST_BYTES) {
    throw new InvalidInputError(
      `Cannot presign an upload of "${key}" capped at ${maxBytes} bytes: a POST upload to S3 holds from 1 byte to ${MAX_POST_BYTES} bytes (5 GiB).`,
    );
  }
}

/**
 * createPresignedPost takes its signing time from the client's clock (Date.now() plus the client's
 * systemClockOffset) and has no signingDate option: hand it the client's configuration with the offset
 * that makes "now" the given date, leaving the shared client untouched.
 */
function clientSigningAt(client: S3Client, signingDate: Date): S3Client {
  return { config: { ...client.config, systemClockOffset: signingDate.getTime() - Date.now() } } as unknown as S3Client;
}

function checkExpiry(key: string, expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_SECONDS) {
    throw new InvalidInputError(
      `Cannot presign "${key}" for ${expiresInSeconds} seconds: SigV4 presigned URLs last from 1 to ${MAX_PRESIGNED_SECONDS} seconds (7 days).`,
    );
  }
}

function expiresAt(signingDate: Date, expiresInSeconds: number): string {
  // SigV4 dates have whole seconds: the URL expires relative to the truncated signing time.
  return new Date(Math.floor(signingDate.getTime() / 1000) * 1000 + expiresInSeconds * 1000).toISOString();
}
