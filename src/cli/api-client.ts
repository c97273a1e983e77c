import { SlipwayError } from '../domain/errors.ts';
import { findProjectRoot, stackPaths } from '../local/paths.ts';
import { readStackInfo } from '../local/stack-file.ts';

export class ApiError extends SlipwayError {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly errorName?: string,
  ) {
    super(message);
  }
}

export class StackNotRunningError extends SlipwayError {
  override name = 'StackNotRunningError';
}

/** A small JSON client for the Slipway API (the local stack's, or the one SLIPWAY_API_URL names). */
export class ApiClient {
  /** `pollMs`: how often to poll a run — often on loopback, gently against API Gateway. */
  constructor(
    readonly baseUrl: string,
    readonly pollMs = 1000,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(`The Slipway API at ${this.baseUrl} did not answer (${(error as Error).message}). Is the local stack up? Run: slipway local up`, 0);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (json as { error?: { name?: string; message?: string } } | undefined)?.error;
      throw new ApiError(error?.message ?? `${method} ${path} answered ${response.status}`, response.status, error?.name);
    }
    return json as T;
  }
}

/** The API to talk to: SLIPWAY_API_URL when set, else the local stack of the project around `cwd`. */
export async function apiClient(cwd = process.cwd()): Promise<ApiClient> {
  if (process.env.SLIPWAY_API_URL) return new ApiClient(process.env.SLIPWAY_API_URL.replace(/\/$/, ''));
  const info = await readStackInfo(stackPaths(findProjectRoot(cwd)));
  if (!info) throw new StackNotRunningError('The local stack is not running. Start it with: slipway local up (or set SLIPWAY_API_URL to a deployed API).');
  return new ApiClient(info.api, 50);
}
