/**
 * Where CodeBuild keeps an app's registry cache: a repository of its own next to the app's, so the
 * app's lifecycle rules (which count every tag, `tagPatternList: ["*"]`) never count the cache and
 * the cache can never push a release out. The stack creates one per repository (serverless/stack.ts).
 */
export const CACHE_REPOSITORY_SUFFIX = '-cache';

/** `cacheRepositoryOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello')` → `….amazonaws.com/hello-cache` (a name works too). */
export function cacheRepositoryOf(repository: string): string {
  return `${repository}${CACHE_REPOSITORY_SUFFIX}`;
}
