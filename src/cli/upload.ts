import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SlipwayError } from '../domain/errors.ts';
import type { PresignedRequest } from '../ports/object-store.ts';

export class UploadFailedError extends SlipwayError {
  override name = 'UploadFailedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const CHUNK = 64 * 1024;

/**
 * PUT `body` to a presigned URL with a Content-Length (S3 refuses chunked uploads to presigned
 * URLs), reporting bytes as the socket takes them so the CLI can show a progress bar.
 */
export async function upload(target: PresignedRequest, body: Buffer, onProgress: (sent: number, total: number) => void = () => undefined): Promise<void> {
  const url = new URL(target.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = send(url, { method: target.method, headers: { ...target.headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        const detail = Buffer.concat(chunks).toString('utf8');
        const code = /<Code>([^<]+)<\/Code>/.exec(detail)?.[1];
        const message = /<Message>([^<]+)<\/Message>/.exec(detail)?.[1];
        reject(new UploadFailedError(`The upload was refused with HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}.`, status));
      });
    });
    req.on('error', (error) => reject(new UploadFailedError(`The upload to ${url.host} failed: ${error.message}`, 0)));
    let sent = 0;
    const writeMore = () => {
      while (sent < body.length) {
        const chunk = body.subarray(sent, sent + CHUNK);
        sent += chunk.length;
        onProgress(sent, body.length);
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
      req.end();
    };
    onProgress(0, body.length);
    writeMore();
  });
}
