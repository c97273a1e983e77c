import * as v from 'valibot';
import type { LifecycleImage } from '../domain/lifecycle/index.ts';

/**
 * What `aws ecr describe-images` and `aws ecr get-lifecycle-policy` print, read as they are.
 * Field names from the ECR API reference (ImageDetail, ImageScanStatus, ImageScanFindingsSummary,
 * GetLifecyclePolicy's response): https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html
 * Every documented field is accepted, used or not; any other key is an error, so a misspelt field
 * cannot silently not count.
 */

const TIME_MESSAGE =
  'must be a time as the AWS CLI prints it: ISO 8601 like "2026-01-15T12:00:00+00:00" or epoch seconds like 1768478400.0';

/** The AWS CLI prints ISO 8601 (cli_timestamp_format = iso8601, v2's default) or epoch seconds (v1's default): both become ISO 8601. */
const AwsTimeSchema = v.union(
  [
    v.pipe(
      v.number(TIME_MESSAGE),
      v.check((seconds) => Number.isFinite(seconds) && seconds >= 0, TIME_MESSAGE),
      v.transform((seconds) => new Date(seconds * 1000).toISOString()),
    ),
    v.pipe(
      v.string(TIME_MESSAGE),
      v.check((text) => !Number.isNaN(Date.parse(text)), TIME_MESSAGE),
      v.transform((text) => new Date(Date.parse(text)).toISOString()),
    ),
  ],
  TIME_MESSAGE,
);

const ImageScanStatusSchema = v.strictObject({
  status: v.optional(v.string('must be a string')),
  description: v.optional(v.string('must be a string')),
});

const ImageScanFindingsSummarySchema = v.strictObject({
  imageScanCompletedAt: v.optional(AwsTimeSchema),
  vulnerabilitySourceUpdatedAt: v.optional(AwsTimeSchema),
  findingSeverityCounts: v.optional(
    v.record(v.string(), v.number('must be a count'), 'must be an object of counts by severity'),
  ),
});

/** One entry of describe-images' `imageDetails`. */
export const ImageDetailSchema = v.strictObject(
  {
    registryId: v.optional(v.string('must be a string')),
    repositoryName: v.optional(v.string('must be a string')),
    imageDigest: v.pipe(v.string('must be a string like "sha256:…"'), v.minLength(1, 'must not be empty')),
    imageTags: v.optional(v.array(v.string('every tag must be a string'), 'must be a list of tags')),
    imageSizeInBytes: v.optional(v.number('must be a number')),
    imagePushedAt: AwsTimeSchema,
    imageScanStatus: v.optional(ImageScanStatusSchema),
    imageScanFindingsSummary: v.optional(ImageScanFindingsSummarySchema),
    imageManifestMediaType: v.optional(v.string('must be a string')),
    artifactMediaType: v.optional(v.string('must be a string')),
    lastRecordedPullTime: v.optional(AwsTimeSchema),
    subjectManifestDigest: v.optional(v.string('must be a string')),
    imageStatus: v.optional(
      v.picklist(['ACTIVE', 'ARCHIVED', 'ACTIVATING'], 'must be "ACTIVE", "ARCHIVED" or "ACTIVATING"'),
    ),
    lastArchivedAt: v.optional(AwsTimeSchema),
    lastActivatedAt: v.optional(AwsTimeSchema),
  },
  'must be an image as describe-images prints it, like { "imageDigest": "sha256:…", "imagePushedAt": … }',
);

/** The whole of describe-images' output. `NextToken` is the CLI's own (with --max-items), `nextToken` the API's (with --no-paginate). */
export const DescribeImagesSchema = v.strictObject(
  {
    imageDetails: v.array(ImageDetailSchema, 'must be a list of images'),
    nextToken: v.optional(v.string('must be a string')),
    NextToken: v.optional(v.string('must be a string')),
  },
  'must be the output of aws ecr describe-images, like { "imageDetails": [ ... ] }',
);

/** The whole of get-lifecycle-policy's output; the policy itself is JSON inside a string. */
export const GetLifecyclePolicySchema = v.strictObject(
  {
    registryId: v.optional(v.string('must be a string')),
    repositoryName: v.optional(v.string('must be a string')),
    lifecyclePolicyText: v.string('must be the policy as a JSON string'),
    lastEvaluatedAt: v.optional(AwsTimeSchema),
  },
  'must be the output of aws ecr get-lifecycle-policy, like { "lifecyclePolicyText": "{\\"rules\\": [ ... ]}" }',
);

/** The keys each closed object of describe-images' output accepts, by the field holding it ('' for the whole), for "unknown key" hints. */
export const DESCRIBE_IMAGES_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(DescribeImagesSchema.entries),
  imageDetails: Object.keys(ImageDetailSchema.entries),
  imageScanStatus: Object.keys(ImageScanStatusSchema.entries),
  imageScanFindingsSummary: Object.keys(ImageScanFindingsSummarySchema.entries),
};

/**
 * `lifecycleImage({ imageDigest, imageTags: ['v1'], imagePushedAt, lastRecordedPullTime, imageStatus: 'ARCHIVED', lastArchivedAt })`
 * → `{ digest, tags: ['v1'], pushedAt, lastPulledAt, storageClass: 'archive', transitionedAt }`: the fields the evaluator reads.
 * An image being restored (ACTIVATING) is still in the archive until the restore completes.
 */
export function lifecycleImage(detail: v.InferOutput<typeof ImageDetailSchema>): LifecycleImage {
  const archived = detail.imageStatus === 'ARCHIVED' || detail.imageStatus === 'ACTIVATING';
  return {
    digest: detail.imageDigest,
    tags: detail.imageTags ?? [],
    pushedAt: detail.imagePushedAt,
    ...(detail.lastRecordedPullTime !== undefined && { lastPulledAt: detail.lastRecordedPullTime }),
    ...(archived && { storageClass: 'archive' as const }),
    ...(archived && detail.lastArchivedAt !== undefined && { transitionedAt: detail.lastArchivedAt }),
    ...(detail.lastActivatedAt !== undefined && { lastActivatedAt: detail.lastActivatedAt }),
  };
}
