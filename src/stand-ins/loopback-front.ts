import { Agent, createServer, request as httpRequest } from 'node:http';
import { foreignRequest } from './api-server.ts';
import { withoutHopByHop } from './proxy-headers.ts';
import { relay } from '../adapters/local/relay.ts';

export interface LoopbackFront {
  port: number;
  close(): Promise<void>;
}

/**
 * `startLoopbackFront({ port: 7422, socketPath: '.slipway/registry.sock', name: 'registry' })`: the only TCP
 * door to a server that listens on a unix socket (the registry). It streams each request through unchanged,
 * Host included, and refuses what a web page in the user's browser could send: another origin, or a
 * DNS-rebinding host name (the same check as the local API's).
 */
export async function startLoopbackFront(options: {
  port: number;
  socketPath: string;
  name: string;
}): Promise<LoopbackFront> {
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const refusal = foreignRequest(req, (server.address() as { port: number }).port);
    if (refusal) {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'DENIED', message: refusal }] }));
      req.resume();
      return;
    }
    const upstream = httpRequest(
      {
        socketPath: options.socketPath,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.headers),
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        relay(answer, res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy(error);
      res.writeHead(502, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ code: 'UNAVAILABLE', message: `The local ${options.name} did not answer: ${error.message}` }],
        }),
      );
    });
    relay(req, upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `The local ${options.name} could not listen on 127.0.0.1:${options.port} (${error.code ?? error.message}). Stop whatever holds that port, or run slipway local up again to choose another.`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
