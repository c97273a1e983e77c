import * as v from 'valibot';

/**
 * `describeIssues(result.issues)` → one line per problem, each led by the key path:
 * `apps.hello.dockerfle: unknown key; remove it or check its spelling`, `app: required`.
 * Every edge that validates (config, HTTP bodies, Lambda events) speaks the same way.
 */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], root = '(root)'): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue) ?? root;
    if (issue.expected === 'never' && issue.kind === 'schema')
      return `${path}: unknown key; remove it or check its spelling`;
    if (issue.received === 'undefined') return `${path}: required`;
    return `${path}: ${issue.message}`;
  });
}
