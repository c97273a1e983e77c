/**
 * ECR lifecycle policies in ECR's own JSON shape (what PutLifecyclePolicy and
 * StartLifecyclePolicyPreview take), plus the image and preview shapes the evaluator speaks.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
export type StorageClass = 'standard' | 'archive';
export type ActionType = 'expire' | 'transition';

export interface EcrLifecycleSelection {
  tagStatus: TagStatus;
  /** Only with tagStatus "tagged"; an image matches when every prefix starts one of its tags. */
  tagPrefixList?: string[];
  /** Only with tagStatus "tagged"; `*` is a wildcard (at most four per pattern); every pattern must match one of the image's tags. */
  tagPatternList?: string[];
  countType: CountType;
  /** Present exactly when countType is one of the since* types. */
  countUnit?: 'days';
  countNumber: number;
  /** Omitted means "standard". "archive" only with countType "sinceImageTransitioned". */
  storageClass?: StorageClass;
}

export interface EcrLifecycleAction {
  type: ActionType;
  /** Required with type "transition", and only there. */
  targetStorageClass?: 'archive';
}

export interface EcrLifecycleRule {
  rulePriority: number;
  description?: string;
  selection: EcrLifecycleSelection;
  action: EcrLifecycleAction;
}

export interface EcrLifecyclePolicy {
  rules: EcrLifecycleRule[];
}

/** One image as the evaluator sees it (DescribeImages, or the local registry's index). Times are ISO 8601. */
export interface LifecycleImage {
  digest: string;
  tags: string[];
  pushedAt: string;
  /** ECR's lastRecordedPullTime; absent when never pulled. */
  lastPulledAt?: string;
  /** Omitted means "standard". */
  storageClass?: StorageClass;
  /** When the image moved to archive (ECR's lastArchivedAt). */
  transitionedAt?: string;
  /** When an archived image was last restored (ECR's lastActivatedAt); it then stands in for the push time when ordering. */
  lastActivatedAt?: string;
}

export interface ActedOnImage {
  digest: string;
  tags: string[];
  /** The rule that acts on the image (GetLifecyclePolicyPreview's appliedRulePriority). */
  rulePriority: number;
}

export interface LifecyclePreview {
  expired: ActedOnImage[];
  transitioned: ActedOnImage[];
  kept: { digest: string; tags: string[] }[];
}

/**
 * The awsx-style shorthand (pulumi-awsx `LifecyclePolicyRule`), extended with tagPatternList.
 * Exactly one of maximumAgeLimit (days since push) or maximumNumberOfImages.
 */
export interface LifecycleRuleShorthand {
  description?: string;
  selection: 'untagged' | 'any' | { tagPrefixList: string[] } | { tagPatternList: string[] };
  maximumAgeLimit?: number;
  maximumNumberOfImages?: number;
}
