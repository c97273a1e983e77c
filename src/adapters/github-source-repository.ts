import { SlipwayError, TransientError, type ErrorKind } from '../domain/errors.ts';
import type { SourceRepository } from '../ports/source-repository.ts';

export class SourceDownloadError extends SlipwayError {
  override name = 'SourceDownloadError';
  override readonly kind: ErrorKind = 'unavailable';
  constructor(
    message: string,
    readonly repository: string,
    readonly commit: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The GitHub REST API's tarball endpoint (`GET /repos/{owner}/{repo}/tarball/{ref}`), which redirects to
 * codeload. The base URL is configurable for GitHub Enterprise — which is also how tests point it at a
 * local stand-in. One adapter serves AWS and the local stack alike.
 */
export class GitHubSourceRepository implements SourceRepository {
  constructor(
    private readonly options: { apiUrl: string; token: () => Promise<string | undefined>; maxBytes?: number },
  ) {}

  async tarball(repository: string, commit: string): Promise<Uint8Array> {
    const url = `${this.options.apiUrl.replace(/\/$/, '')}/repos/${repository}/tarball/${encodeURIComponent(commit)}`;
    const token = await this.options.token();
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'slipway',
          ...(token && { authorization: `Bearer ${token}` }),
        },
        redirect: 'follow',
      });
    } catch (error) {
      throw new TransientError(`GitHub did not answer for ${repository}@${commit} (${(error as Error).message}).`, {
        cause: error,
      });
    }
    if (response.status === 429 || response.status >= 500)
      throw new TransientError(
        `GitHub answered ${response.status} for the tarball of ${repository}@${commit}; it is safe to retry.`,
      );
    if (!response.ok) {
      const hint =
        response.status === 404 || response.status === 401
          ? ' Check that the token can read the repository (contents: read).'
          : '';
      throw new SourceDownloadError(
        `GitHub answered ${response.status} for the tarball of ${repository}@${commit}.${hint}`,
        repository,
        commit,
        response.status,
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const limit = this.options.maxBytes ?? 500 * 1024 * 1024;
    if (bytes.length > limit)
      throw new SourceDownloadError(
        `The tarball of ${repository}@${commit} is ${bytes.length} bytes, over the ${limit}-byte limit.`,
        repository,
        commit,
        413,
      );
    return bytes;
  }
}
