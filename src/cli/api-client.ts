import type { IncomingHttpHeaders } from 'node:http';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';
import { findProjectRoot, stackPaths } from '../local-stack/paths.ts';
import { readStackInfo } from '../local-stack/stack-file.ts';
import type { RequestSigner } from './sigv4-signer.ts';

/**
 * The API refused or did not answer. `kind` is the server's own (its `{ error: { kind } }`); without one,
 * a 4xx is `invalid` and a 5xx, or no answer at all (`status` 0), is `unavailable`.
 */
export class ApiError extends SlipwayError {
  override name = 'ApiError';
  override readonly kind: ErrorKind;
  constructor(
    message: string,
    readonly status: number,
    readonly errorName?: string,
    kind?: ErrorKind,
  ) {
    super(message);
    this.kind = kind ?? (status >= 400 && status < 500 ? 'invalid' : 'unavailable');
  }
}

/** Every kind the server may send, to tell one from a value an older or foreign server made up. */
const KINDS: Readonly<Record<ErrorKind, true>> = {
  invalid: true,
  'not-found': true,
  conflict: true,
  'too-large': true,
  unavailable: true,
  failed: true,
  internal: true,
};

function knownKind(value: unknown): ErrorKind | undefined {
  return typeof value === 'string' && Object.hasOwn(KINDS, value) ? (value as ErrorKind) : undefined;
}

export class StackNotRunningError extends SlipwayError {
  override name = 'StackNotRunningError';
  override readonly kind: ErrorKind = 'unavailable';
}

/** A small JSON client for the Slipway API (the local stack's, or the one SLIPWAY_API_URL names). */
export class ApiClient {
  /** `pollMs`: how often to poll a run — often on loopback, gently against API Gateway. `sign`: SigV4 for a deployed API (IAM authorization). */
  constructor(
    readonly baseUrl: string,
    readonly pollMs = 1000,
    readonly sign?: RequestSigner,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, { body })).body;
  }

  /** What request() does, with headers sent and the answer's headers returned too (ETag, Preference-Applied). */
  async exchange<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ body: T; headers: AnswerHeaders }> {
    const { body } = options;
    const url = `${this.baseUrl}${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      ...options.headers,
      ...(text !== undefined && { 'content-type': 'application/json' }),
    };
    if (this.sign) {
      try {
        headers = {
          ...headers,
          ...(await this.sign({ method, url, headers, ...(text !== undefined && { body: text }) })),
        };
      } catch (error) {
        throw new ApiError(
          `Cannot sign the request to ${this.baseUrl}: ${(error as Error).message}. The deployed API uses IAM authorization: configure AWS credentials (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID).`,
          0,
        );
      }
    }
    let response: Answer;
    try {
      response = await send(url, method, headers, text);
    } catch (error) {
      throw new ApiError(
        `The Slipway API at ${this.baseUrl} did not answer (${(error as Error).message}). Is the local stack up? Run: slipway local up`,
        0,
      );
    }
    const ok = response.status >= 200 && response.status < 300;
    const json = parseBody(response.text, ok);
    if (!ok) {
      const error = (json as { error?: { name?: string; kind?: unknown; message?: string } } | undefined)?.error;
      // API Gateway answers its own refusals (a bad signature, a missing permission) as { message }.
      const gateway = (json as { message?: string } | undefined)?.message;
      const message =
        error?.message ??
        (gateway
          ? `${method} ${path} answered ${response.status}: ${gateway}`
          : `${method} ${path} answered ${response.status}`);
      throw new ApiError(message, response.status, error?.name, knownKind(error?.kind));
    }
    return { body: json as T, headers: answerHeaders(response.headers) };
  }
}

/** The headers of an answer, read as fetch's Headers are. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

// node:http rather than fetch: a command makes one or two requests, and fetch's first takes tens of
// milliseconds to load before it sends anything.
async function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const target = new URL(url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        headers: { ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function answerHeaders(headers: IncomingHttpHeaders): AnswerHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** A refusal's body may be a proxy's HTML page rather than the API's JSON: then it says nothing more than its status. */
function parseBody(text: string, ok: boolean): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (ok) throw error;
    return undefined;
  }
}

/** The API to talk to: SLIPWAY_API_URL when set, else the local stack of the project around `cwd`. */
export async function apiClient(cwd = process.cwd()): Promise<ApiClient> {
  const url = process.env.SLIPWAY_API_URL?.replace(/\/$/, '');
  if (url) {
    // API Gateway's own URL: requests are signed (IAM authorization); any other URL is called as it is.
    // Imported here: the AWS credential chain is only loaded when a deployed API is called.
    const { executeApiRegion, sigv4Signer } = await import('./sigv4-signer.ts');
    const region = executeApiRegion(url);
    return new ApiClient(url, 1000, region ? sigv4Signer({ region }) : undefined);
  }
  const info = await readStackInfo(stackPaths(findProjectRoot(cwd)));
  if (!info)
    throw new StackNotRunningError(
      'The local stack is not running. Start it with: slipway local up (or set SLIPWAY_API_URL to a deployed API).',
    );
  return new ApiClient(info.api, 25);
}
