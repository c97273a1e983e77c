import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorKind, InvalidInputError, SlipwayError, UnknownAppError, type ErrorKind } from '../domain/errors.ts';
import type { Dependencies } from '../use-cases/dependencies.ts';

/**
 * One route's core (src/edges/routes/<function>.ts): what its API Gateway event means for a use case
 * and what the answer is, with the dependencies it names. functions/ binds each to the AWS wiring,
 * the local stack to its own. One file per route, so a Lambda bundle holds only its route's use case.
 */
export type Route<D> = (
  event: APIGatewayProxyEventV2,
  deps: D,
) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/** What the HTTP edge itself uses: the log, for failures. */
export type HttpHandlerDependencies = Pick<Dependencies, 'logger'>;

/**
 * The HTTP edge: one API Gateway v2 event in, one JSON response out. The local API server hands
 * the handlers the same events, so this is the only place errors become status codes.
 */
export function httpHandler<D>(
  route: Route<D>,
  provide: () => NoInfer<D> & HttpHandlerDependencies,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    // Outside the try: a misconfigured function (missing environment, invalid config) is the
    // operator's error, not the caller's, and fails the invocation as Lambda reports it.
    const deps: NoInfer<D> & Pick<Dependencies, 'logger'> = provide();
    try {
      const { status, body, headers } = await route(event, deps);
      return json(status, body, headers);
    } catch (error) {
      const kind = errorKind(error);
      const status = HTTP_STATUS[kind];
      if (status >= 500)
        deps.logger.error('request failed', {
          path: event.rawPath,
          error: String(error),
          stack: (error as Error)?.stack,
        });
      const name = error instanceof SlipwayError ? error.name : 'InternalError';
      const message =
        status === 500 ? 'Internal error; the request id is in the server logs.' : (error as Error).message;
      return json(status, {
        error: { name, kind, message, ...(error instanceof UnknownAppError && { knownApps: error.knownApps }) },
      });
    }
  };
}

/** `jsonBody(event)` → the parsed body, or InvalidInputError when it is not JSON. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('The request body is not valid JSON.');
  }
}

/** The one mapping from a failure's kind to an HTTP status. */
export const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unavailable: 503,
  failed: 500,
  internal: 500,
};

function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The longest a request may ask to wait: API Gateway gives up on an integration after 30 s. */
export const MAX_WAIT_SECONDS = 20;

/**
 * `preferredWaitMs(event)` → how long the caller lets the answer wait for news (`Prefer: wait=10`, RFC 7240),
 * in milliseconds, at most MAX_WAIT_SECONDS; 0 when it did not ask.
 */
export function preferredWaitMs(event: APIGatewayProxyEventV2): number {
  const prefer = requestHeader(event, 'prefer') ?? '';
  const seconds = Number(/(?:^|[,;\s])wait=(\d+)/.exec(prefer)?.[1] ?? 0);
  return Math.min(seconds, MAX_WAIT_SECONDS) * 1000;
}

/** `requestHeader(event, 'If-None-Match')` → the header's value, whatever its case. */
export function requestHeader(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}
