import { Hash } from '@smithy/hash-node';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

/** Headers to add to a request so the API accepts it: SigV4's `authorization`, `x-amz-date` and, with temporary credentials, `x-amz-security-token`. */
export type RequestSigner = (request: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}) => Promise<Record<string, string>>;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const EXECUTE_API = /^https:\/\/[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?(?:[/?]|$)/;

/** `executeApiRegion('https://abc123.execute-api.eu-west-1.amazonaws.com')` → `eu-west-1`; undefined for any other URL. */
export function executeApiRegion(url: string): string | undefined {
  return EXECUTE_API.exec(url)?.[1];
}

/**
 * `sigv4Signer({ region: 'eu-west-1' })` signs requests for API Gateway's IAM authorization (service
 * `execute-api`) with the credentials the AWS CLI would use (environment, profile, SSO, instance role).
 */
export function sigv4Signer(options: {
  region: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  now?: () => Date;
}): RequestSigner {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials ?? fromNodeProviderChain(),
    sha256: Hash.bind(null, 'sha256'), // node:crypto, as the SDK's own Node runtime signs
  });
  const now = options.now ?? (() => new Date());
  return async ({ method, url, headers, body }) => {
    const target = new URL(url);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of target.searchParams) {
      const previous = query[name];
      query[name] = previous === undefined ? value : [previous, value].flat();
    }
    const signed = await signer.sign(
      {
        method,
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port && { port: Number(target.port) }),
        path: target.pathname,
        query,
        headers: { ...headers, host: target.host },
        ...(body !== undefined && { body }),
      },
      { signingDate: now() },
    );
    // fetch sets Host from the URL itself (the same value that was signed).
    const { host: _host, ...rest } = signed.headers;
    return rest;
  };
}
