import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto_server (the moto AWS emulator, from pip) on 127.0.0.1 and a free port, started by the test and
 * stopped after it. In CI a missing moto_server fails the suite; elsewhere the suite is skipped with the reason.
 */
export function requireMoto(): { available: boolean; reason: string } {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore' });
    return { available: true, reason: 'moto_server' };
  } catch {
    const reason = 'moto_server is not installed: run scripts/prereqs.sh (pip install "moto[server]")';
    if (process.env.CI === 'true')
      throw new Error(`${reason}; CI=true, so the emulated-AWS suite fails instead of skipping.`);
    return { available: false, reason };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Moto {
  endpoint: string;
  region: string;
  /** An AWS Query API call (CloudFormation, EC2, ELBv2) → the XML answer; moto does not check signatures. */
  query(service: string, params: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

export const MOTO_ACCOUNT = '123456789012';

export async function startMoto(region = 'eu-west-1'): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const query = async (service: string, params: Record<string, string>) => {
    const response = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        // moto reads the region and the service from the credential scope.
        Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=unchecked`,
      },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`moto ${service} ${params.Action} answered ${response.status}: ${text.slice(0, 500)}`);
    return text;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    region,
    query,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The text of every `<tag>` in an XML answer, in order. */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}
