import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { relay } from '../relay.ts';

// Headers that describe one connection, not the message: a proxy must not pass them on (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The app's load balancer: one long-lived HTTP server on 127.0.0.1 whose port never changes,
 * forwarding to the containers that serve the app now, round robin. Bodies are streamed both ways.
 */
export class AppProxy {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private targetPorts: number[] = [];
  private next = 0;
  /** Requests in flight per upstream port, so a replaced container can finish what it started. */
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly app: string) {
    this.server = createServer((req, res) => this.forward(req, res));
  }

  /** `listen(43123)` → the port it listens on; 0 picks a free one. Rejects with EADDRINUSE when the port is taken. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get port(): number | undefined {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** Send requests to the container published on 127.0.0.1:hostPort from now on (undefined: answer 503). */
  setTarget(hostPort: number | undefined): void {
    this.setTargets(hostPort === undefined ? [] : [hostPort]);
  }

  /** Balance new requests over these 127.0.0.1 ports, round robin (none: answer 503). */
  setTargets(hostPorts: readonly number[]): void {
    this.targetPorts = [...new Set(hostPorts)];
  }

  /** Put one more healthy container behind the URL (a target group's RegisterTargets). */
  addTarget(hostPort: number): void {
    if (!this.targetPorts.includes(hostPort)) this.targetPorts = [...this.targetPorts, hostPort];
  }

  /** Send no new requests to this port; requests in flight finish (see drain). */
  removeTarget(hostPort: number): void {
    this.targetPorts = this.targetPorts.filter((p) => p !== hostPort);
  }

  get targets(): readonly number[] {
    return this.targetPorts;
  }

  /**
   * `drain(oldPort, 5000)` resolves once no request to that port is in flight, or after `timeoutMs`:
   * what a load balancer's deregistration delay gives a replaced task before it is stopped.
   */
  async drain(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.inFlight.get(port) ?? 0) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const port = this.targetPorts[this.next++ % Math.max(1, this.targetPorts.length)];
    if (this.next >= Number.MAX_SAFE_INTEGER) this.next = 0;
    if (port === undefined) {
      answer(
        res,
        503,
        `No version of app "${this.app}" is serving yet: its first deployment has not passed the health check, or its stopped containers are being replaced.\n`,
      );
      return;
    }
    const headers = withoutHopByHop(req.headers);
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-proto'] = 'http';
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    const upstream = request({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    });
    this.inFlight.set(port, (this.inFlight.get(port) ?? 0) + 1);
    res.once('close', () => this.inFlight.set(port, (this.inFlight.get(port) ?? 1) - 1));
    upstream.on('response', (answerFromApp) => {
      res.writeHead(
        answerFromApp.statusCode ?? 502,
        answerFromApp.statusMessage,
        withoutHopByHop(answerFromApp.headers),
      );
      relay(answerFromApp, res);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) res.destroy(error);
      else answer(res, 502, `App "${this.app}" did not answer (${error.code ?? error.message}).\n`);
    });
    // A client that goes away mid-request must not leave the upstream request hanging.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    // pipe, not pipeline: pipeline would destroy the client's socket on an upstream error, before the 502 goes out.
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  }
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: IncomingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key) && !named.has(key)) kept[key] = value;
  }
  return kept;
}
