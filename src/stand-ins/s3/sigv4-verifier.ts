import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** A request as it arrived, before anything is decoded or normalised: S3 signs the path exactly as sent. */
export interface IncomingSignedRequest {
  method: string;
  /** Still percent-encoded, without the query. */
  rawPath: string;
  query: URLSearchParams;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
}

export type Verdict = { ok: true } | Refusal;

/** What S3 would answer: an HTTP status and an S3 error code, with optional extra XML fields. */
export interface Refusal {
  ok: false;
  status: number;
  code: string;
  message: string;
  details?: Record<string, string>;
}

export interface SigV4VerifierOptions {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  now: () => Date;
}

type SignableRequest = Parameters<SignatureV4['presign']>[0];

const ALGORITHM = 'AWS4-HMAC-SHA256';
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;
export const SIGNATURE_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/**
 * `verify(request)` → `{ ok: true }` or the refusal S3 would give. The signature is recomputed with the
 * same signer the SDK uses, at the request's own X-Amz-Date, over the same method, path, query and
 * signed headers, and compared in constant time.
 */
export function createSigV4Verifier(
  options: SigV4VerifierOptions,
): (request: IncomingSignedRequest) => Promise<Verdict> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'), // node:crypto, as the SDK's own Node runtime signs
    // S3 signs the path as sent (no double encoding) and does not add a payload hash header itself.
    uriEscapePath: false,
    applyChecksum: false,
  });

  const checkCredential = (credential: string, errorCode: string) => checkScope(credential, options, errorCode);

  async function verifyPresigned(request: IncomingSignedRequest): Promise<Verdict> {
    const { query } = request;
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
      return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}".`);
    }
    const [credential, amzDate, expires, signedHeaders, signature] = [
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
    ].map((name) => query.get(name));
    if (!credential || !amzDate || !expires || !signedHeaders || !signature) {
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const credentialRefusal = checkCredential(credential, 'AuthorizationQueryParametersError');
    if (credentialRefusal) return credentialRefusal;
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate)
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'".`,
      );
    const expiresIn = Number(expires);
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_SECONDS) {
      return refuse(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_EXPIRES_SECONDS}.`,
      );
    }

    const signed = signedHeaders.split(';');
    const headers = pickHeaders(request.headers, signed);
    // Presigned requests never sign the body; the header only tells the signer so and is itself not signed.
    const payloadHashIsSigned = signed.includes(PAYLOAD_HASH_HEADER);
    if (!payloadHashIsSigned) headers[PAYLOAD_HASH_HEADER] = 'UNSIGNED-PAYLOAD';
    const presigned = await signer.presign(toSignable(request, headers, 'X-Amz-Signature'), {
      signingDate,
      expiresIn,
      signableHeaders: new Set(signed),
      unsignableHeaders: new Set(payloadHashIsSigned ? [] : [PAYLOAD_HASH_HEADER]),
      unhoistableHeaders: new Set([...signed, PAYLOAD_HASH_HEADER]),
    });
    const expected = presigned.query?.['X-Amz-Signature'];
    if (typeof expected !== 'string' || !sameSignature(expected, signature))
      return refuse(403, 'SignatureDoesNotMatch', SIGNATURE_MESSAGE);

    const now = options.now();
    const expiresAt = new Date(signingDate.getTime() + expiresIn * 1000);
    if (now.getTime() > expiresAt.getTime()) {
      return refuse(403, 'AccessDenied', 'Request has expired', {
        'X-Amz-Expires': expires,
        Expires: isoSeconds(expiresAt),
        ServerTime: isoSeconds(now),
      });
    }
    if (signingDate.getTime() - now.getTime() > MAX_SKEW_MS) {
      return refuse(403, 'AccessDenied', 'Request is not valid yet', { ServerTime: isoSeconds(now) });
    }
    return { ok: true };
  }

  async function verifyHeader(request: IncomingSignedRequest, authorization: string): Promise<Verdict> {
    const parsed = parseAuthorization(authorization);
    if (!parsed) {
      return refuse(
        400,
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; it must be "${ALGORITHM} Credential=…, SignedHeaders=…, Signature=…".`,
      );
    }
    const credentialRefusal = checkCredential(parsed.credential, 'AuthorizationHeaderMalformed');
    if (credentialRefusal) return credentialRefusal;
    const amzDate = headerValue(request.headers, 'x-amz-date');
    const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
    if (!signingDate) return refuse(403, 'AccessDenied', 'AWS authentication requires a valid x-amz-date header.');
    const payloadHash = headerValue(request.headers, PAYLOAD_HASH_HEADER);
    if (payloadHash === undefined)
      return refuse(400, 'InvalidRequest', `Missing required header for this request: ${PAYLOAD_HASH_HEADER}`);
    if (payloadHash.startsWith('STREAMING-')) {
      return refuse(
        501,
        'NotImplemented',
        `The local S3 does not accept chunked uploads (${PAYLOAD_HASH_HEADER}: ${payloadHash}). Create the S3 client with requestChecksumCalculation: 'WHEN_REQUIRED' (see createS3Client).`,
      );
    }
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/i.test(payloadHash)) {
      return refuse(400, 'InvalidArgument', `${PAYLOAD_HASH_HEADER} must be UNSIGNED-PAYLOAD or a SHA-256 hex digest.`);
    }

    const signed = parsed.signedHeaders.split(';');
    const resigned = await signer.sign(toSignable(request, pickHeaders(request.headers, signed)), {
      signingDate,
      signableHeaders: new Set(signed),
    });
    const expected = /Signature=([0-9a-f]+)/.exec(String(resigned.headers.authorization ?? ''))?.[1];
    if (expected === undefined || !sameSignature(expected, parsed.signature))
      return refuse(403, 'SignatureDoesNotMatch', SIGNATURE_MESSAGE);

    const now = options.now();
    if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
      return refuse(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          RequestTime: amzDate ?? '',
          ServerTime: isoSeconds(now),
        },
      );
    }
    return { ok: true };
  }

  return async (request) => {
    const authorization = headerValue(request.headers, 'authorization');
    const presigned = request.query.has('X-Amz-Algorithm');
    if (presigned && authorization !== undefined) {
      return refuse(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed: the X-Amz-Algorithm query parameter or the Authorization header, not both.',
      );
    }
    if (presigned) return verifyPresigned(request);
    if (authorization !== undefined) return verifyHeader(request, authorization);
    return refuse(
      403,
      'AccessDenied',
      'Access Denied: anonymous requests are refused. Use a presigned URL or sign the request with SigV4.',
    );
  };
}

/**
 * `checkScope('AKID/20250115/us-east-1/s3/aws4_request', { credentials, region }, 'AuthorizationHeaderMalformed')`
 * → undefined when the credential scope names our access key, region and s3, else S3's refusal.
 */
export function checkScope(
  credential: string,
  expected: { credentials: { accessKeyId: string }; region: string },
  errorCode: string,
): Refusal | undefined {
  const [accessKeyId, date, region, service, terminator, ...rest] = credential.split('/');
  if (terminator !== 'aws4_request' || rest.length > 0 || !/^\d{8}$/.test(date ?? '')) {
    return refuse(
      400,
      errorCode,
      `Error parsing the credential "${credential}": expected <access key id>/<yyyymmdd>/<region>/s3/aws4_request.`,
    );
  }
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId ?? '',
    });
  }
  if (region !== expected.region) {
    return refuse(
      400,
      errorCode,
      `Error parsing the credential: the region '${region}' is wrong; expecting '${expected.region}'.`,
      { Region: expected.region },
    );
  }
  if (service !== 's3')
    return refuse(
      400,
      errorCode,
      `Error parsing the credential: incorrect service '${service}'. This endpoint belongs to 's3'.`,
    );
  return undefined;
}

export function refuse(status: number, code: string, message: string, details?: Record<string, string>): Refusal {
  return details ? { ok: false, status, code, message, details } : { ok: false, status, code, message };
}

function toSignable(
  request: IncomingSignedRequest,
  headers: Record<string, string>,
  omitParam?: string,
): SignableRequest {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.query) {
    if (name === omitParam) continue;
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  // hostname and protocol are not part of a SigV4 signature; the signed host header is.
  return { method: request.method, protocol: 'http:', hostname: 'localhost', path: request.rawPath, query, headers };
}

function pickHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(
  authorization: string,
): { credential: string; signedHeaders: string; signature: string } | undefined {
  if (!authorization.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map(
    authorization
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((part) => {
        const [name = '', ...value] = part.trim().split('=');
        return [name, value.join('=')] as const;
      }),
  );
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  return credential && signedHeaders && signature ? { credential, signedHeaders, signature } : undefined;
}

export function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Constant-time comparison, so a forger learns nothing from how long a refusal takes. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
