import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SlipwayError, type ErrorKind } from '../domain/errors.ts';
import type { PresignedPost } from '../ports/object-store.ts';

export class UploadFailedError extends SlipwayError {
  override name = 'UploadFailedError';
  override readonly kind: ErrorKind = 'unavailable';
  constructor(
    message: string,
    readonly status: number,
    /** The store's error code (`EntityTooLarge`, `AccessDenied`, …) when it answered with one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

const CHUNK = 64 * 1024;

/** A multipart/form-data body with its length known before a byte is sent: the fields, then the file, streamed. */
export interface MultipartBody {
  contentType: string;
  contentLength: number;
  head: Buffer;
  tail: Buffer;
}

/**
 * `multipartBody({ key: 'k', Policy: '…' }, 1234)` → the form around a 1234-byte file: every field first, in
 * order, then the file as the last part named `file` (S3 ignores fields after it), with the exact total length.
 */
export function multipartBody(
  fields: Record<string, string>,
  fileBytes: number,
  boundary = `slipway-${randomBytes(16).toString('hex')}`,
): MultipartBody {
  const parts = Object.entries(fields).map(([name, value]) => {
    checkPartName(name);
    return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  });
  const head = Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="context.tar.gz"\r\nContent-Type: application/gzip\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + fileBytes + tail.length,
    head,
    tail,
  };
}

/**
 * POST `body` to a presigned POST as multipart/form-data with a Content-Length (S3 refuses chunked
 * uploads), reporting the file's bytes as the socket takes them so the CLI can show a progress bar.
 * When the store answers early (a refusal while the file is still going out), its answer wins.
 */
export async function upload(
  target: PresignedPost,
  body: Uint8Array,
  onProgress: (sent: number, total: number) => void = () => undefined,
): Promise<void> {
  const url = new URL(target.url);
  // node:https (and TLS with it) only for an https store: loading it cost the local stack's deploys ~2 ms.
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const form = multipartBody(target.fields, body.length);
  await new Promise<void>((resolve, reject) => {
    let answered = false;
    const req = send(
      url,
      { method: 'POST', headers: { 'content-type': form.contentType, 'content-length': String(form.contentLength) } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) =>
          reject(
            new UploadFailedError(
              `The upload to ${url.host} failed while reading its answer: ${error.message}`,
              res.statusCode ?? 0,
            ),
          ),
        );
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(refusal(status, Buffer.concat(chunks).toString('utf8')));
          // A refusal can come before the whole file went out: nothing more needs sending.
          req.destroy();
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(new UploadFailedError(`The upload to ${url.host} failed: ${error.message}`, 0));
    });
    let sent = 0;
    const writeMore = () => {
      while (!answered && sent < body.length) {
        const chunk = body.subarray(sent, sent + CHUNK);
        sent += chunk.length;
        onProgress(sent, body.length);
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
      if (!answered) req.end(form.tail);
    };
    onProgress(0, body.length);
    req.write(form.head);
    writeMore();
  });
}

function refusal(status: number, xml: string): UploadFailedError {
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
  const code = field('Code');
  const message = field('Message');
  const max = field('MaxSizeAllowed');
  const detail = `${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}${max ? ` (at most ${max} bytes)` : ''}`;
  return new UploadFailedError(`The upload was refused with HTTP ${status}${detail}.`, status, code);
}

function checkPartName(name: string): void {
  if (/["\r\n]/.test(name))
    throw new UploadFailedError(
      `Cannot send the form field ${JSON.stringify(name)}: a multipart field name cannot hold quotes or line breaks.`,
      0,
    );
}
