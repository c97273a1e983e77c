import { TransientError } from '../../domain/errors.ts';

/**
 * The one rule for which AWS failures are worth another try, for every AWS adapter (S3 included).
 * Throttling, 5xx answers and dropped connections are worth another try; the SDK has already
 * retried them a few times by the time they reach us. Turning them into TransientError lets the
 * state machine's Retry (which matches on the error name) take over with a longer backoff.
 */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // S3's own names for throttling and a failure on its side.
  'SlowDown',
  'InternalError',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** `isTransient(new ThrottlingException(…))` → true; a 4xx like RepositoryNotFoundException → false. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $retryable, $metadata } = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if ($retryable) return true;
  const status = $metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** `toTransient(error, 'ECR DescribeImages of "hello"')` → a TransientError (original as `cause`) when worth retrying, else the error itself. */
export function toTransient(error: unknown, operation: string): unknown {
  if (error instanceof TransientError || !isTransient(error)) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new TransientError(`${operation} failed for now (${reason}). It is safe to retry.`, { cause: error });
}

/** `await callAws('ECR DescribeImages of "hello"', () => client.send(command))`: throws TransientError for throttling and 5xx, the SDK error otherwise. */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTransient(error, operation);
  }
}

/** The SDK error's name (`RepositoryNotFoundException`), for matching the errors an adapter handles itself. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
