import type { Server } from 'node:http';
import type { Command } from 'commander';
import { InvalidInputError, SlipwayError, type ErrorKind } from '../../domain/errors.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export class DashboardProxyError extends SlipwayError {
  override name = 'DashboardProxyError';
  override readonly kind: ErrorKind = 'unavailable';
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description(
      'where to open the dashboard; for a deployed API, a local proxy that signs its requests (IAM authorization)',
    )
    .option(
      '-p, --port <port>',
      "the proxy's port on 127.0.0.1 (deployed API only; 0 picks a free one)",
      parsePort,
      7430,
    )
    .action(async (flags: { port: number }) => {
      process.exitCode = await run({ port: flags.port }, { client: await apiClient(), out: createOutput(false) });
    });
}

/** `parsePort('7430')` → 7430; anything but a whole number from 0 to 65535 is InvalidInputError naming --port. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidInputError(`--port must be a port number from 0 to 65535 (got "${text}").`);
  return port;
}

/**
 * `slipway dashboard [--port N]`: where to open the dashboard. The local stack serves it as it is.
 * A deployed API requires SigV4 (IAM authorization), which a browser cannot do: so for it, this
 * serves the dashboard on 127.0.0.1 and forwards each GET to the API signed with your credentials.
 * Runs until interrupted; `opened` resolves with the URL once it listens (for tests).
 */
export async function run(
  options: { port: number },
  deps: { client: ApiClient; out: Output; until?: Promise<unknown>; opened?: (url: string) => void },
): Promise<number> {
  const { client, out } = deps;
  if (!client.sign) {
    out.line(`dashboard: ${client.baseUrl}/`);
    return 0;
  }
  const sign = client.sign;
  // The proxy's server loads only when there is a deployed API to proxy.
  const [{ createServer }, { foreignRequest }] = await Promise.all([
    import('node:http'),
    import('../../stand-ins/api-server.ts'),
  ]);
  const server: Server = createServer((request, response) => {
    // It signs with the user's AWS credentials: only the dashboard itself, at this address, may use it.
    const refusal = foreignRequest(request, (server.address() as { port: number }).port);
    if (refusal) {
      response.writeHead(403, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ error: { name: 'ForeignRequestRefused', message: refusal } }));
    }
    const forward = async () => {
      if (request.method !== 'GET') {
        response.writeHead(405, { 'content-type': 'application/json' });
        return void response.end(
          JSON.stringify({ error: { name: 'MethodNotAllowed', message: 'The dashboard proxy only reads: GET.' } }),
        );
      }
      const url = `${client.baseUrl}${request.url ?? '/'}`;
      const headers = await sign({ method: 'GET', url, headers: { accept: request.headers.accept ?? '*/*' } });
      const upstream = await fetch(url, { headers: { accept: request.headers.accept ?? '*/*', ...headers } });
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    };
    forward().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            name: 'DashboardProxyError',
            message: `Could not reach ${client.baseUrl}: ${(error as Error).message}`,
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new DashboardProxyError(
          `Cannot listen on 127.0.0.1:${options.port} (${(error as Error).message}). Pick another with --port.`,
        ),
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  out.line(`dashboard: ${url} (signed requests to ${client.baseUrl}; Ctrl-C stops it)`);
  deps.opened?.(url);
  await (deps.until ?? new Promise((resolve) => process.once('SIGINT', resolve)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
