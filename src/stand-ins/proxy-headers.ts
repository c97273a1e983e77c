import type { IncomingHttpHeaders } from 'node:http';

/** Headers about one connection, not the request: a proxy must not pass them on (RFC 9110 §7.6.1). */
const HOP_BY_HOP_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** `withoutHopByHop(req.headers, ['expect'])` → the headers a front passes on to the server behind it. */
export function withoutHopByHop(headers: IncomingHttpHeaders, alsoDrop: readonly string[] = []): IncomingHttpHeaders {
  const dropped = new Set([...HOP_BY_HOP_HEADERS, ...alsoDrop]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name)));
}
