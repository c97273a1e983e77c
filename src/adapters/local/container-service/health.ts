import { get } from 'node:http';

export interface Probe {
  healthy: boolean;
  /** What the check saw, for failure reasons: `HTTP 404`, `connection refused`, `no answer within 2000ms`. */
  detail: string;
}

/** `probeHealth('http://127.0.0.1:49153/healthz', 2000, signal)` → healthy on any 2xx or 3xx answer, like an ALB target group. */
export function probeHealth(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs, signal }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ healthy: status >= 200 && status < 400, detail: `HTTP ${status}` });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ healthy: false, detail: describe(error, timeoutMs) }));
  });
}

function describe(error: NodeJS.ErrnoException, timeoutMs: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      // The engine's port forwarder accepts the connection and drops it when nothing listens inside the container.
      return 'connection closed without an answer (is the app listening on the container port?)';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs}ms`;
    default:
      return error.code ?? error.message;
  }
}
