import { execFile } from 'node:child_process';
import { request } from 'node:http';

/** One answer of the Engine API: its status and its JSON body (undefined when empty). */
export interface EngineAnswer {
  status: number;
  body: unknown;
}

const TIMEOUT_MS = 60_000;

/**
 * The Docker Engine API on its unix socket, for the reads and removals the container service makes
 * many of (inspect, list, remove): an HTTP request costs a few milliseconds where each `docker`
 * command starts a process and negotiates with the engine first. Everything else stays with the CLI.
 */
export class EngineApi {
  constructor(readonly socketPath: string) {}

  /** `call('GET', '/containers/abc/json')` → `{ status: 200, body: {…} }`; rejects only when the engine does not answer. */
  call(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers =
      text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, headers, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = { message: text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('timeout', () =>
        req.destroy(new Error(`the engine did not answer ${method} ${path} within ${TIMEOUT_MS}ms`)),
      );
      req.on('error', reject);
      req.end(text);
    });
  }
}

/** The engine's own words for a refusal (`No such container: abc`), else its status. */
export function engineMessage(answer: EngineAnswer): string {
  const message = (answer.body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : `the engine answered HTTP ${answer.status}`;
}

/**
 * `engineSocket('/usr/bin/docker')` → `/var/run/docker.sock`: the unix socket of the engine that client
 * talks to (its current context, DOCKER_HOST included), or undefined when that engine is elsewhere
 * (tcp, ssh) or the client cannot say — then every call goes through the client.
 */
export function engineSocket(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'],
      { timeout: 10_000 },
      (error, stdout) => {
        const host = error ? '' : stdout.trim();
        resolve(host.startsWith('unix://') ? host.slice('unix://'.length) : undefined);
      },
    );
  });
}
