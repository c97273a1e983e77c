import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The local S3's key pair, made once per stack and kept private (0600): the front checks presigned
 * URLs against it, and that check only means something if the secret is not a public constant.
 */
export async function localCredentials(file: string): Promise<LocalCredentials> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LocalCredentials;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const credentials = {
    accessKeyId: `SLIPWAY${randomBytes(7).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}
