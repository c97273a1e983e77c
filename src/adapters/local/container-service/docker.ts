import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../../domain/errors.ts';
import { EngineApi, engineMessage, engineSocket } from './engine-api.ts';
import { DockerCommandError } from './errors.ts';

export const LABEL = {
  stack: 'slipway.stack',
  app: 'slipway.app',
  revision: 'slipway.revision',
  deployment: 'slipway.deployment',
  run: 'slipway.run',
} as const;

export interface RunSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** Container port published on 127.0.0.1 with a port the engine picks. */
  port: number;
  env: Record<string, string>;
  /** Values kept off the command line: written to a 0600 env file removed once `docker run` returns. */
  secretEnv?: Record<string, string>;
  /** `--cpus`: CPUs (0.25 for Fargate's 256 units). */
  cpus?: number;
  /** `--memory` in MiB. */
  memoryMiB?: number;
  entryPoint?: string[];
  command?: string[];
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  error: string;
}

/** What the engine's inspect says of a container's state (the fields read here). */
interface EngineState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  Error: string;
}

interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface ListedContainer {
  id: string;
  running: boolean;
  app: string;
  revision: number;
  deployment: string;
}

/**
 * The `docker` CLI, argument lists only (never a shell), so image names and labels need no quoting.
 * Its reads and removals go straight to the engine's API when the client's engine is on a unix socket.
 */
export class DockerCli {
  private engine: Promise<EngineApi | undefined> | undefined;

  constructor(private readonly binary: string) {}

  /** `run(spec)` → the new container's id; the container runs detached. */
  async run(spec: RunSpec): Promise<string> {
    const api = await this.api();
    const created = api ? await this.create(api, spec) : undefined;
    if (created) {
      await this.call(api!, 'POST', `/containers/${created}/start`, ['run', spec.name]);
      return created;
    }
    return this.runWithClient(spec);
  }

  /**
   * What `docker run -d` asks the engine for, as one create: the id, or undefined when the image is not on
   * this engine (the client pulls it first). Secrets go in the request body, never on a command line.
   */
  private async create(api: EngineApi, spec: RunSpec): Promise<string | undefined> {
    const secrets = Object.entries(spec.secretEnv ?? {});
    for (const [key, value] of secrets) checkSecretName(key, value);
    const variables = (entries: [string, string][]) => entries.map(([key, value]) => `${key}=${value}`);
    const [entry, ...entryArgs] = spec.entryPoint ?? [];
    const port = `${spec.port}/tcp`;
    const body = {
      Image: spec.image,
      Labels: spec.labels,
      // In the client's order: the env file's one-line values, then -e (which wins over them), then the multi-line ones.
      Env: [
        ...variables(secrets.filter(([, v]) => !/[\r\n]/.test(v))),
        ...variables(Object.entries(spec.env)),
        ...variables(secrets.filter(([, v]) => /[\r\n]/.test(v))),
      ],
      ...(entry !== undefined && { Entrypoint: [entry] }),
      ...((entry !== undefined || spec.command) && { Cmd: [...entryArgs, ...(spec.command ?? [])] }),
      ExposedPorts: { [port]: {} },
      HostConfig: {
        PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        ...(spec.cpus !== undefined && { NanoCpus: Math.round(spec.cpus * 1e9) }),
        ...(spec.memoryMiB !== undefined && { Memory: spec.memoryMiB * 1024 * 1024 }),
      },
    };
    const answer = await this.call(
      api,
      'POST',
      `/containers/create?name=${encodeURIComponent(spec.name)}`,
      ['run', spec.name],
      [404],
      body,
    );
    if (answer.status === 404) return undefined;
    return (answer.body as { Id: string }).Id;
  }

  private async runWithClient(spec: RunSpec): Promise<string> {
    const args = ['run', '-d', '--name', spec.name, '-p', `127.0.0.1::${spec.port}`];
    for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
    for (const [key, value] of Object.entries(spec.env)) args.push('-e', `${key}=${value}`);
    if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus));
    if (spec.memoryMiB !== undefined) args.push('--memory', `${spec.memoryMiB}m`);
    const secrets = Object.entries(spec.secretEnv ?? {});
    // A secret never goes on a command line (any user on the machine can read those): an env file only this user can
    // read carries the one-line values, and a multi-line value (an env file cannot hold one) travels in the client's own
    // environment as `-e NAME`, which docker completes from it.
    const dir = secrets.length > 0 ? await mkdtemp(join(tmpdir(), 'slipway-env-')) : undefined;
    const clientEnv: Record<string, string> = {};
    try {
      if (dir) {
        const file = join(dir, 'secrets.env');
        const lines = secrets.filter(([, value]) => !/[\r\n]/.test(value)).map(([key, value]) => `${key}=${value}\n`);
        await writeFile(file, lines.join(''), { mode: 0o600 });
        args.push('--env-file', file);
        for (const [key, value] of secrets.filter(([, v]) => /[\r\n]/.test(v))) {
          checkSecretName(key, value);
          clientEnv[key] = value;
          args.push('-e', key);
        }
      }
      // ECS's entryPoint is a list; docker takes its first word as --entrypoint and the rest as arguments.
      const [entry, ...entryArgs] = spec.entryPoint ?? [];
      if (entry !== undefined) args.push('--entrypoint', entry);
      args.push(spec.image, ...entryArgs, ...(spec.command ?? []));
      return (await this.exec(args, 300_000, clientEnv)).trim();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * `state(id)` → running or how it ended; undefined when the container does not exist or is being removed:
   * `docker rm -f` kills it first, and the 137 it exits with in between says nothing of how it ended (as
   * `remove` counts a removal already in progress as done).
   */
  async state(id: string): Promise<ContainerState | undefined> {
    const api = await this.api();
    let s: EngineState;
    if (api) {
      const answer = await this.call(api, 'GET', `/containers/${encodeURIComponent(id)}/json`, ['inspect', id], [404]);
      if (answer.status === 404) return undefined;
      s = (answer.body as { State: EngineState }).State;
    } else {
      try {
        s = JSON.parse(await this.exec(['inspect', '--type', 'container', '--format', '{{json .State}}', id]));
      } catch (error) {
        if (error instanceof DockerCommandError && /no such/i.test(error.stderr)) return undefined;
        throw error;
      }
    }
    if (s.Status === 'removing') return undefined;
    return { running: s.Running, exitCode: s.ExitCode, oomKilled: s.OOMKilled, error: s.Error };
  }

  /** `hostPort(id, 8080)` → the 127.0.0.1 port the engine published container port 8080 on. */
  async hostPort(id: string, port: number): Promise<number> {
    const out = await this.published(id, port);
    const match = /127\.0\.0\.1:(\d+)/.exec(out);
    if (!match?.[1])
      throw new DockerCommandError(['port', id], undefined, `port ${port}/tcp is not published on 127.0.0.1: ${out}`);
    return Number(match[1]);
  }

  /** What `docker port <id> <port>/tcp` prints: one `ip:port` line per binding. */
  private async published(id: string, port: number): Promise<string> {
    const api = await this.api();
    if (!api) return this.exec(['port', id, `${port}/tcp`]);
    const answer = await this.call(api, 'GET', `/containers/${encodeURIComponent(id)}/json`, ['port', id]);
    const ports = (answer.body as { NetworkSettings?: { Ports?: Record<string, PortBinding[] | null> } })
      .NetworkSettings?.Ports;
    return (ports?.[`${port}/tcp`] ?? []).map((b) => `${b.HostIp}:${b.HostPort}`).join('\n');
  }

  /** `tailLogs(id, 10)` → the last lines of stdout and stderr, interleaved in the order they were written. */
  async tailLogs(id: string, lines: number): Promise<string[]> {
    const { stdout, stderr } = await this.execBoth(['logs', '--timestamps', '--tail', String(lines), id]);
    const stamped = [...stdout.split('\n'), ...stderr.split('\n')].filter((l) => l.trim() !== '');
    return stamped
      .map((line) => {
        const space = line.indexOf(' ');
        return { at: space > 0 ? line.slice(0, space) : '', text: space > 0 ? line.slice(space + 1) : line };
      })
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .slice(-lines)
      .map((l) => l.text);
  }

  /** `remove(ids)` force-removes containers; ids already gone are fine. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const api = await this.api();
    // Gone already (404), or going (409: a removal of it is already in progress, as when a rollout retires the
    // containers a failing one is removing): either way the container is on its way out.
    if (api) {
      await Promise.all(
        ids.map((id) =>
          this.call(api, 'DELETE', `/containers/${encodeURIComponent(id)}?force=true`, ['rm', '-f', id], [404, 409]),
        ),
      );
      return;
    }
    try {
      await this.exec(['rm', '-f', ...ids]);
    } catch (error) {
      const going = /no such container|removal of container .* is already in progress/i;
      if (!(error instanceof DockerCommandError && going.test(error.stderr))) throw error;
    }
  }

  /** `list({ 'slipway.stack': 's' })` → every container (running or not) carrying all these labels. */
  async list(labels: Record<string, string>): Promise<ListedContainer[]> {
    const api = await this.api();
    if (api) {
      const filters = JSON.stringify({ label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) });
      const answer = await this.call(api, 'GET', `/containers/json?all=true&filters=${encodeURIComponent(filters)}`, [
        'ps',
        '-a',
      ]);
      return (answer.body as { Id: string; State: string; Labels?: Record<string, string> }[]).map((c) => ({
        id: c.Id,
        running: c.State === 'running',
        app: c.Labels?.[LABEL.app] ?? '',
        revision: Number(c.Labels?.[LABEL.revision]) || 0,
        deployment: c.Labels?.[LABEL.deployment] ?? '',
      }));
    }
    const format = [
      '{{.ID}}',
      '{{.State}}',
      `{{.Label "${LABEL.app}"}}`,
      `{{.Label "${LABEL.revision}"}}`,
      `{{.Label "${LABEL.deployment}"}}`,
    ].join('\t');
    const args = ['ps', '-a', '--no-trunc', '--format', format];
    for (const [key, value] of Object.entries(labels)) args.push('--filter', `label=${key}=${value}`);
    const out = await this.exec(args);
    return out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [id = '', state = '', app = '', revision = '', deployment = ''] = line.split('\t');
        return { id, running: state === 'running', app, revision: Number(revision) || 0, deployment };
      });
  }

  /** The engine's API when this client's engine listens on a unix socket; asked once. */
  private api(): Promise<EngineApi | undefined> {
    this.engine ??= engineSocket(this.binary).then((socket) => (socket ? new EngineApi(socket) : undefined));
    return this.engine;
  }

  /** One API call, its failures as the CLI's would be: a DockerCommandError with the engine's words. */
  private async call(
    api: EngineApi,
    method: string,
    path: string,
    args: string[],
    alsoFine: number[] = [],
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    let answer;
    try {
      answer = await api.call(method, path, body);
    } catch (error) {
      throw new DockerCommandError(
        args,
        undefined,
        `Cannot connect to the Docker daemon at unix://${api.socketPath}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if ((answer.status >= 200 && answer.status < 300) || alsoFine.includes(answer.status)) return answer;
    throw new DockerCommandError(args, undefined, `Error response from daemon: ${engineMessage(answer)}`);
  }

  private async exec(args: string[], timeoutMs = 60_000, extraEnv: Record<string, string> = {}): Promise<string> {
    return (await this.execBoth(args, timeoutMs, extraEnv)).stdout;
  }

  private execBoth(
    args: string[],
    timeoutMs = 60_000,
    extraEnv: Record<string, string> = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const env = Object.keys(extraEnv).length > 0 ? { ...process.env, ...extraEnv } : undefined;
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        args,
        { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, ...(env ? { env } : {}) },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr });
          const code = typeof error.code === 'number' ? error.code : undefined;
          const detail = stderr || (error.code === 'ENOENT' ? `${this.binary} not found` : error.message);
          reject(new DockerCommandError(args, code, detail, { cause: error }));
        },
      );
    });
  }
}

/** A multi-line secret travels in the client's own environment when the client runs the container: never as one of the client's settings. */
function checkSecretName(key: string, value: string): void {
  // Refused however the container is started, so a secret that works once works every time.
  if (/[\r\n]/.test(value) && (key.startsWith('DOCKER_') || key === 'PATH' || key === 'HOME'))
    throw new InvalidInputError(
      `Secret ${key} has a multi-line value, which the local stack passes through the docker client's environment, where ${key} is a setting of the client itself. Rename the variable.`,
    );
}
