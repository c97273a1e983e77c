import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

export interface StackPorts {
  api: number;
  s3: number;
  registry: number;
}

const PREFERRED: StackPorts = { api: 7420, s3: 7421, registry: 7422 };

/** A kept port another program holds now, and the one used instead. */
export interface PortReplaced {
  part: keyof StackPorts;
  from: number;
  to: number;
}

/**
 * The stack's ports, chosen once and kept: image names carry the registry's host:port, and the
 * URLs people bookmark carry the API's. The preferred ports are used when free, any free port otherwise.
 * A kept port that another program holds now (another checkout's stack, say) is replaced by a free one,
 * kept from then on, and reported in `replaced`: the stack comes up rather than dying on EADDRINUSE.
 */
export async function stackPorts(file: string): Promise<{ ports: StackPorts; replaced: PortReplaced[] }> {
  let kept: Partial<StackPorts> = {};
  try {
    kept = JSON.parse(await readFile(file, 'utf8')) as Partial<StackPorts>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  const ports = { ...PREFERRED };
  const replaced: PortReplaced[] = [];
  const taken = new Set<number>();
  for (const part of Object.keys(PREFERRED) as (keyof StackPorts)[]) {
    const keptPort = kept[part];
    if (Number.isInteger(keptPort) && !taken.has(keptPort!) && (await canBind(keptPort!))) {
      ports[part] = keptPort!;
    } else {
      // Not the preferred port of another part, nor one already given to a part of this stack.
      ports[part] = await freePort(taken.has(PREFERRED[part]) ? 0 : PREFERRED[part], taken);
      if (keptPort !== undefined) replaced.push({ part, from: keptPort, to: ports[part] });
    }
    taken.add(ports[part]);
  }
  if (replaced.length || Object.keys(PREFERRED).some((part) => kept[part as keyof StackPorts] === undefined)) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(ports, null, 2));
  }
  return { ports, replaced };
}

/** `portReplacedLine({ part: 'api', from: 7420, to: 39211 })` → the one line the log and `local up` print. */
export function portReplacedLine({ part, from, to }: PortReplaced): string {
  return `port ${from} (${part}) is held by another program: the ${part} now listens on ${to}${part === 'registry' ? ' (new images are named after it)' : ''}`;
}

async function canBind(port: number): Promise<boolean> {
  return (await tryBind(port)) === port;
}

function tryBind(port: number): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** `freePort(7420)` → 7420 when it can be bound on 127.0.0.1, else a port the kernel picks (never one in `avoid`). */
export async function freePort(preferred = 0, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  if (preferred && !avoid.has(preferred) && (await canBind(preferred))) return preferred;
  for (;;) {
    const port = await tryBind(0);
    if (port !== undefined && !avoid.has(port)) return port;
  }
}
