import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { afterEach, describe, expect, it } from 'vitest';
import { multipartBody, upload, UploadFailedError } from '../../../src/cli/upload.ts';
import type { PresignedPost } from '../../../src/ports/object-store.ts';

interface Received {
  headers: IncomingMessage['headers'];
  parts: { name: string; value: string; file?: { filename: string; mimeType: string } }[];
  bytes: number;
}

let server: Server | undefined;

/** A server that parses what it gets with busboy and answers with `answer`. */
async function listen(
  answer: (res: ServerResponse, received: Received) => void,
): Promise<{ url: string; received: Promise<Received> }> {
  let resolveReceived: (received: Received) => void = () => undefined;
  const received = new Promise<Received>((resolve) => (resolveReceived = resolve));
  server = createServer((req, res) => {
    const result: Received = { headers: req.headers, parts: [], bytes: 0 };
    req.on('data', (chunk: Buffer) => (result.bytes += chunk.length));
    const form = busboy({ headers: req.headers });
    form.on('field', (name, value) => result.parts.push({ name, value }));
    form.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        result.parts.push({
          name,
          value: Buffer.concat(chunks).toString('utf8'),
          file: { filename: info.filename ?? '', mimeType: info.mimeType },
        }),
      );
    });
    form.on('close', () => {
      resolveReceived(result);
      answer(res, result);
    });
    req.pipe(form);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`, received };
}

function target(
  url: string,
  fields: Record<string, string> = {
    key: 'contexts/hello/01J.tar.gz',
    'Content-Type': 'application/gzip',
    Policy: 'e30=',
    'X-Amz-Signature': 'abc',
  },
): PresignedPost {
  return { method: 'POST', url, fields, expiresAt: '2030-01-01T00:00:00Z', maxBytes: 1024 };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('multipartBody', () => {
  it('knows its exact length before the file is read', () => {
    const form = multipartBody({ key: 'k', Policy: 'p' }, 1000, 'boundary');

    expect(form.contentLength).toBe(form.head.length + 1000 + form.tail.length);
    expect(form.contentType).toBe('multipart/form-data; boundary=boundary');
    expect(form.tail.toString()).toBe('\r\n--boundary--\r\n');
  });

  it('refuses a field name that would break the form', () => {
    expect(() => multipartBody({ 'a"b': 'x' }, 1)).toThrow(UploadFailedError);
  });
});

describe('upload', () => {
  it('sends every field in order, then the file last, with a Content-Length', async () => {
    const { url, received } = await listen((res) => res.writeHead(204).end());
    const body = Buffer.from('x'.repeat(200_000));

    await upload(target(url), body);

    const got = await received;
    expect(got.parts.map((part) => part.name)).toEqual(['key', 'Content-Type', 'Policy', 'X-Amz-Signature', 'file']);
    expect(got.parts.at(-1)).toMatchObject({
      value: body.toString(),
      file: { filename: 'context.tar.gz', mimeType: 'application/gzip' },
    });
    expect(Number(got.headers['content-length'])).toBe(got.bytes);
    expect(got.headers['transfer-encoding']).toBeUndefined();
  });

  it('reports progress of the file up to its size', async () => {
    const { url } = await listen((res) => res.writeHead(204).end());
    const seen: [number, number][] = [];

    await upload(target(url), Buffer.alloc(150_000), (sent, total) => seen.push([sent, total]));

    expect(seen[0]).toEqual([0, 150_000]);
    expect(seen.at(-1)).toEqual([150_000, 150_000]);
  });

  it("reports the store's refusal with its code and message", async () => {
    const xml =
      '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><MaxSizeAllowed>1024</MaxSizeAllowed></Error>';
    const { url } = await listen((res) => res.writeHead(400, { 'content-type': 'application/xml' }).end(xml));

    const failure = upload(target(url), Buffer.alloc(10));

    await expect(failure).rejects.toMatchObject({ name: 'UploadFailedError', status: 400, code: 'EntityTooLarge' });
    await expect(failure).rejects.toThrow(
      'HTTP 400 EntityTooLarge: Your proposed upload exceeds the maximum allowed size (at most 1024 bytes).',
    );
  });

  it('takes an answer that comes before the whole file went out', async () => {
    server = createServer((req, res) => {
      req.once('data', () =>
        res
          .writeHead(403, { connection: 'close' })
          .end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>'),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`;

    await expect(upload(target(url), Buffer.alloc(64 * 1024 * 1024))).rejects.toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
  });

  it('names the host when it cannot connect', async () => {
    await expect(upload(target('http://127.0.0.1:1/bucket'), Buffer.alloc(1))).rejects.toThrow(
      /The upload to 127\.0\.0\.1:1 failed/,
    );
  });
});
