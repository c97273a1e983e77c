import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { STATE_DIR } from './support.ts';

/**
 * Re-sign a presigned URL as if it had been signed at `signedAt`, valid for `expiresIn` seconds,
 * with the local stack's own key: a correctly signed URL that has expired.
 */
export async function signedUrlAt(url: string, headers: Record<string, string>, signedAt: Date, expiresIn: number): Promise<string> {
  const credentials = JSON.parse(await readFile(join(STATE_DIR, 'credentials.json'), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
  const parsed = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of parsed.searchParams) if (!k.startsWith('X-Amz-')) query[k] = v;
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.presign(
    { method: 'PUT', protocol: parsed.protocol, hostname: parsed.hostname, port: Number(parsed.port), path: decodeURIComponent(parsed.pathname), query, headers: { host: parsed.host, ...headers } },
    { signingDate: signedAt, expiresIn, unhoistableHeaders: new Set(Object.keys(headers)) },
  );
  const out = new URL(`${parsed.protocol}//${parsed.host}${parsed.pathname}`);
  for (const [k, v] of Object.entries(signed.query ?? {})) out.searchParams.set(k, String(v));
  return out.toString();
}
