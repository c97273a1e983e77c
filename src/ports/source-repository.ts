/** Where pushed source comes from: the GitHub API (github.com or GitHub Enterprise, by base URL). */
export interface SourceRepository {
  /** `tarball('octo/hello', 'a1b2c3…')` → the commit as GitHub serves it: a gzip tar with one top-level folder. */
  tarball(repository: string, commit: string): Promise<Uint8Array>;
}
