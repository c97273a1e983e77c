export type {
  ActedOnImage,
  ActionType,
  CountType,
  EcrLifecycleAction,
  EcrLifecyclePolicy,
  EcrLifecycleRule,
  EcrLifecycleSelection,
  LifecycleImage,
  LifecyclePreview,
  LifecycleRuleShorthand,
  StorageClass,
  TagStatus,
} from './types.ts';
export { evaluateLifecyclePolicy } from './evaluate.ts';
export { lifecyclePolicyFromConfig, type LifecycleConfigOptions } from './from-config.ts';
export { DEFAULT_LIFECYCLE_RULES } from './shorthand.ts';
export { matchesPattern, matchesTagRequirements } from './tag-match.ts';
export { MAX_RULES, MAX_WILDCARDS, MIN_ARCHIVE_DAYS, validateLifecyclePolicy } from './validate.ts';
export {
  MAX_KEEP_RELEASES,
  planReleaseTags,
  RELEASE_TAG_PREFIX,
  releasePosition,
  releaseProtectionRule,
  releaseTag,
  withReleaseProtection,
  type TagMove,
} from './releases.ts';
export { appLifecyclePolicy } from './app-policy.ts';
