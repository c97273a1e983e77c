import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRoute } from './serverless-routes.ts';

export type HttpFunction = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Local-only endpoints the stack itself serves (health, registry notifications), outside API Gateway's routes. */
export type LocalEndpoint = (request: IncomingMessage, body: Buffer) => Promise<{ status: number; body?: unknown }>;

interface CompiledRoute extends HttpRoute {
  regex: RegExp;
  params: string[];
}

/**
 * API Gateway's stand-in: each request becomes an HTTP API (payload 2.0) event for the function
 * serverless.yml routes it to, and the function's result becomes the response. Loopback only.
 */
export async function startApiServer(options: {
  port: number;
  routes: HttpRoute[];
  resolve: (route: HttpRoute) => Promise<HttpFunction>;
  local: Record<string, LocalEndpoint>;
  maxBodyBytes?: number;
}): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }> {
  const routes = options.routes.map(compile);
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 500, { error: { name: 'InternalError', message: String(error) } }),
    );
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = foreignRequest(request, (server.address() as { port: number }).port);
    if (refusal) return send(response, 403, { error: { name: 'ForeignRequestRefused', message: refusal } });
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const limit = options.maxBodyBytes ?? API_BODY_LIMIT;
    const body = await readBody(request, limit);
    if (!body)
      return send(response, 413, {
        error: { name: 'PayloadTooLarge', kind: 'too-large', message: bodyTooLarge(limit) },
      });
    const local = options.local[`${request.method} ${url.pathname}`];
    if (local) {
      const result = await local(request, body);
      return send(response, result.status, result.body);
    }
    for (const route of routes) {
      const match = route.method === request.method ? route.regex.exec(url.pathname) : null;
      if (!match) continue;
      const fn = await options.resolve(route);
      const result = await fn(toEvent(request, url, body, route, match));
      response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
      response.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    send(response, 404, {
      error: {
        name: 'RouteNotFound',
        message: `No route for ${request.method} ${url.pathname}. Routes: ${options.routes.map((r) => `${r.method} ${r.path}`).join(', ')}`,
      },
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `The local API could not listen on 127.0.0.1:${options.port} (${error.code ?? error.message}). Stop whatever holds that port, or run slipway local up again to choose another.`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function compile(route: HttpRoute): CompiledRoute {
  const params: string[] = [];
  const pattern = route.path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\+?\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${pattern}/?$`), params };
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: CompiledRoute,
  match: RegExpExecArray,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length && { queryStringParameters: query }),
    ...(route.params.length && { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length && { body: isText ? text : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** API Gateway's own payload limit (HTTP APIs: 10 MB; Lambda's: 6 MB): contexts go to S3, never through the API. */
export const API_BODY_LIMIT = 6 * 1024 * 1024;

/** `bodyTooLarge(6291456)` → the 413's message, naming the limit. */
export function bodyTooLarge(limit: number): string {
  return `The request body is over the API's limit of ${limit} bytes (${(limit / 1024 / 1024).toFixed(1)} MiB). Build contexts go to S3 through a presigned upload (slipway deploy), never through the API.`;
}

/**
 * The body, or undefined when it is over `limit`. The rest of an oversized body is still read (and
 * dropped): a client still sending would otherwise see its connection reset instead of the 413.
 */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? 0);
  let over = declared > limit;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    if (over) continue;
    size += (chunk as Buffer).length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  return over ? undefined : Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

/**
 * The local API acts on a developer's machine (rollbacks, rebuilds, fake S3 events): a web page open in
 * their browser must not drive it. A page on another origin always sends `Origin` with a POST (even
 * `no-cors`), and a DNS-rebinding page reaches us under its own host name: refuse both.
 */
export function foreignRequest(request: IncomingMessage, port: number): string | undefined {
  const own = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = request.headers.host ?? '';
  if (!own.includes(host))
    return `This API answers only at http://127.0.0.1:${port} (the request named host "${host}").`;
  const origin = request.headers.origin;
  if (origin !== undefined && !own.some((h) => origin === `http://${h}`))
    return `Requests from web pages on ${origin} are refused.`;
  return undefined;
}
