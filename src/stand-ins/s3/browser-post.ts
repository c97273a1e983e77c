import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { checkPostSize, verifyPostPolicy, type AcceptedPost, type PostPolicyOptions } from './post-policy.ts';
import { escapeXml, requestId, sendError } from './s3-errors.ts';
import { refuse, type Refusal } from './sigv4-verifier.ts';

export interface BrowserPostOptions {
  policy: PostPolicyOptions;
  /** s3rver on its internal loopback port: the verified file is PUT there, so it stores and notifies exactly once. */
  upstream: { socketPath: string };
  agent: Agent;
  /** Where the file waits while it is counted (default: the system's temp folder); never the bucket. */
  spoolDir?: string;
}

/**
 * Bodies up to this size (declared by Content-Length) are held in memory while they are checked — markers,
 * manifests, small objects, most build contexts; larger ones wait in a temp file. The front's PUTs use it too.
 */
export const IN_MEMORY_BYTES = 1024 * 1024;
/** S3's own limit on the form fields before the file. */
const MAX_FIELDS_BYTES = 20 * 1024;
/** Object headers a POST form may set, as S3 documents them; x-amz-meta-* are added to these. */
const OBJECT_HEADER_FIELDS = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires'];

class RefusedError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/**
 * `handleBrowserPost(req, res, 'slipway-contexts', options)` answers a browser-based upload (POST to the
 * bucket, multipart/form-data) as S3 does: the fields before the file are checked against the signed
 * policy before a byte of the file is kept; the file is counted as it arrives and refused with
 * EntityTooLarge the moment it passes the policy's content-length-range (the rest is never read);
 * only a file that passed everything reaches s3rver.
 */
export async function handleBrowserPost(
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  options: BrowserPostOptions,
): Promise<void> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fieldSize: MAX_FIELDS_BYTES, fields: 100, files: 1, parts: 101 },
    });
  } catch (error) {
    refuseAndStopReading(req, res, malformed(error));
    return;
  }
  const form = parser;

  await new Promise<void>((resolve) => {
    let settled = false;
    let fileSeen = false;
    let storing: Readable | undefined;
    let fieldBytes = 0;
    const fields = new Map<string, string>();
    const fail = (refusal: Refusal) => {
      if (settled) return;
      settled = true;
      req.unpipe(form);
      // A file being stored would otherwise wait forever for the rest of a body that will never come:
      // end it, so the store fails and removes its spool folder.
      storing?.destroy(new Error(refusal.code));
      refuseAndStopReading(req, res, refusal);
      resolve();
    };
    const done = () => {
      settled = true;
      resolve();
    };

    form.on('field', (name, value, info) => {
      // S3 ignores whatever follows the file.
      if (settled || fileSeen) return;
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.nameTruncated || info.valueTruncated || fieldBytes > MAX_FIELDS_BYTES) {
        return fail(
          refuse(
            400,
            'MaxPostPreDataLengthExceeded',
            `Your POST request fields preceding the upload file were too large (at most ${MAX_FIELDS_BYTES} bytes).`,
          ),
        );
      }
      const lower = name.toLowerCase();
      if (fields.has(lower))
        return fail(
          refuse(400, 'InvalidArgument', `The form field "${name}" appears more than once.`, { ArgumentName: name }),
        );
      fields.set(lower, value);
    });

    form.on('file', (name, stream, info) => {
      if (settled || fileSeen) {
        stream.resume();
        return;
      }
      fileSeen = true;
      if (name.toLowerCase() !== 'file') {
        stream.resume();
        return fail(
          refuse(400, 'InvalidArgument', `The upload must be the form field named "file", got "${name}".`, {
            ArgumentName: name,
          }),
        );
      }
      const verdict = verifyPostPolicy({ bucket, fields }, options.policy);
      if (!verdict.ok) {
        stream.resume();
        return fail(verdict);
      }
      storing = stream;
      store(stream, verdict, info.filename, fields, bucket, req, res, options).then(done, (error: unknown) => {
        if (error instanceof RefusedError) fail(error.refusal);
        else fail(refuse(500, 'InternalError', `The local S3 could not store the upload: ${String(error)}`));
      });
    });

    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      // Once the file has started, S3 ignores whatever follows it: so does this.
      form.on(limit, () => {
        if (!fileSeen)
          fail(
            refuse(
              400,
              'InvalidArgument',
              'POST requires exactly one file upload per request, after at most 100 fields.',
            ),
          );
      });
    }
    form.on('close', () => {
      if (!fileSeen)
        fail(
          refuse(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
            ArgumentName: 'file',
            ArgumentValue: '0',
          }),
        );
    });
    form.on('error', (error: unknown) => fail(malformed(error)));
    req.on('close', () => {
      if (!req.complete) fail(refuse(400, 'IncompleteBody', 'The request body ended before the form did.'));
    });
    req.pipe(form);
  });
}

async function store(
  file: Readable,
  accepted: AcceptedPost,
  filename: string | undefined,
  fields: ReadonlyMap<string, string>,
  bucket: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: BrowserPostOptions,
): Promise<void> {
  const key = accepted.key.replaceAll('${filename}', filename ?? '');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      // Refused at once: the rest of an over-size file is never read, let alone written.
      if (accepted.size && size > accepted.size.max)
        callback(new RefusedError(checkPostSize(size, accepted.size) as Refusal));
      else callback(null, chunk);
    },
  });
  const checked = async (open: () => Readable) => {
    const sizeRefusal = checkPostSize(size, accepted.size);
    if (sizeRefusal) throw new RefusedError(sizeRefusal);
    answer(req, res, bucket, key, await putUpstream(open, size, bucket, key, fields, options), fields);
  };
  // A small form (most build contexts) is held in memory: a temp folder, a file written and read back, and its
  // removal cost each upload a few milliseconds. A larger one waits on disk.
  if (Number(req.headers['content-length']) <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = [];
    await pipeline(
      file,
      counter,
      new Writable({
        write: (chunk: Buffer, _encoding, next) => {
          chunks.push(chunk);
          next();
        },
      }),
    );
    await checked(() => Readable.from(chunks));
    return;
  }
  const dir = await mkdtemp(join(options.spoolDir ?? tmpdir(), 'slipway-s3-post-'));
  try {
    const spooled = join(dir, 'file');
    await pipeline(file, counter, createWriteStream(spooled));
    await checked(() => createReadStream(spooled));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** PUTs the checked file to s3rver with the form's content type and metadata; resolves to its ETag. */
async function putUpstream(
  open: () => Readable,
  size: number,
  bucket: string,
  key: string,
  fields: ReadonlyMap<string, string>,
  options: BrowserPostOptions,
): Promise<string> {
  const headers: Record<string, string> = { 'content-length': String(size) };
  for (const [name, value] of fields) {
    if (OBJECT_HEADER_FIELDS.includes(name) || name.startsWith('x-amz-meta-')) headers[name] = value;
  }
  return await new Promise<string>((resolve, reject) => {
    let upstream: ReturnType<typeof httpRequest>;
    try {
      upstream = httpRequest(
        {
          ...options.upstream,
          method: 'PUT',
          path: `/${encodeURIComponent(bucket)}/${encodeKey(key)}`,
          headers,
          agent: options.agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const status = response.statusCode ?? 502;
            if (status >= 200 && status < 300) return resolve(String(response.headers.etag ?? ''));
            const xml = Buffer.concat(chunks).toString('utf8');
            const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
            reject(
              new RefusedError(
                refuse(
                  status,
                  field('Code') ?? 'InternalError',
                  field('Message') ?? `The local S3 store answered ${status}.`,
                ),
              ),
            );
          });
        },
      );
    } catch (error) {
      // Node refuses header values it cannot send (line breaks, non-Latin-1 text).
      reject(
        new RefusedError(
          refuse(
            400,
            'InvalidArgument',
            `A form field cannot be stored as an object header: ${(error as Error).message}`,
          ),
        ),
      );
      return;
    }
    upstream.on('error', (error) =>
      reject(
        new RefusedError(refuse(502, 'ServiceUnavailable', `The local S3 store did not answer: ${error.message}`)),
      ),
    );
    open().on('error', reject).pipe(upstream);
  });
}

/** S3's answer to a stored POST: 204 unless the form asks for success_action_redirect or success_action_status 200/201. */
function answer(
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
  etag: string,
  fields: ReadonlyMap<string, string>,
): void {
  const location = `http://${req.headers.host ?? 'localhost'}/${encodeURIComponent(bucket)}/${encodeKey(key)}`;
  const headers = { etag, location, 'x-amz-request-id': requestId() };
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect && /^https?:\/\//.test(redirect)) {
    const target = new URL(redirect);
    for (const [name, value] of [
      ['bucket', bucket],
      ['key', key],
      ['etag', etag],
    ] as const)
      target.searchParams.set(name, value);
    res.writeHead(303, { ...headers, location: target.toString(), 'content-length': 0 }).end();
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`;
    res
      .writeHead(201, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) })
      .end(xml);
    return;
  }
  res.writeHead(status === '200' ? 200 : 204, { ...headers, 'content-length': 0 }).end();
}

/**
 * Answers the refusal and stops handling the request. A client may still be sending (an over-size file,
 * the rest of a refused form): closing a socket with unread bytes makes the kernel reset the connection,
 * and the client can lose the answer. So what is still coming is dropped unread, up to LINGER_BYTES or
 * LINGER_MS, and then the connection is closed: an over-size file is never read to its end.
 */
function refuseAndStopReading(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!req.complete) dropWhatFollows(req);
  sendError(req, res, refusal);
}

const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 2_000;

function dropWhatFollows(req: IncomingMessage): void {
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) {
      clearTimeout(timer);
      cut();
    }
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function malformed(error: unknown): Refusal {
  return refuse(
    400,
    'MalformedPOSTRequest',
    `The body of your POST request is not well-formed multipart/form-data (${error instanceof Error ? error.message : String(error)}).`,
  );
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
