import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Refusal } from './sigv4-verifier.ts';

/** `requestId()` → a fresh id for the x-amz-request-id header, as S3 gives every answer one. */
export function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** Answers with S3's XML error document: `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>`. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  headers: Record<string, string> = {},
): void {
  const id = requestId();
  const fields = { Code: refusal.code, Message: refusal.message, ...refusal.details, RequestId: id };
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    Object.entries(fields)
      .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
      .join('') +
    '</Error>';
  res.writeHead(refusal.status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amz-request-id': id,
  });
  // Node drains an unread request body itself, so the connection stays usable.
  res.end(req.method === 'HEAD' ? undefined : xml);
}

/** Escapes text for an XML element's content (S3's documents have no attributes): an ETag keeps its quotes, as S3 sends it. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>]/g, (char) => `&#${char.charCodeAt(0)};`);
}
