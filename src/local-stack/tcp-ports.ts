import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

export interface StackPorts {
  api: number;
  s3: number;
  registry: number;
}

const PREFERRED: StackPorts = { api: 7420, s3: 7421, registry: 7422 };

/**
 * The stack's ports, chosen once and kept: image names carry the registry's host:port, and the
 * URLs people bookmark carry the API's. The preferred ports are used when free, any free port otherwise.
 */
export async function stackPorts(file: string): Promise<StackPorts> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StackPorts;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ports: StackPorts = {
    api: await freePort(PREFERRED.api),
    s3: await freePort(PREFERRED.s3),
    registry: await freePort(PREFERRED.registry),
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(ports, null, 2));
  return ports;
}

/** `freePort(7420)` → 7420 when it can be bound on 127.0.0.1, else a port the kernel picks. */
export async function freePort(preferred = 0): Promise<number> {
  const tryBind = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const bound = (server.address() as { port: number }).port;
        server.close(() => resolve(bound));
      });
    });
  return (preferred && (await tryBind(preferred))) || (await tryBind(0))!;
}
