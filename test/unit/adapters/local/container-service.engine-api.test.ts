import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerCli } from '../../../../src/adapters/local/container-service/docker.ts';
import { engineSocket } from '../../../../src/adapters/local/container-service/engine-api.ts';
import { DockerCommandError } from '../../../../src/adapters/local/container-service/errors.ts';

// A stand-in `docker` whose current context points where the test says, and that fails any other command.
const fakeDocker = (host: string) => `#!/bin/sh
if [ "$1" = context ]; then echo '${host}'; exit 0; fi
echo "the test's docker was run: $*" >&2
exit 3
`;

type Answer = { status: number; body?: unknown };

describe('DockerCli over the engine API', () => {
  let dir: string;
  let server: Server;
  let seen: { method: string; url: string }[];
  let answer: (request: IncomingMessage) => Answer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-engine-unit-'));
    seen = [];
    server = createServer((request, response) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '' });
      const { status, body } = answer(request);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'engine.sock'), resolve));
    await writeFile(join(dir, 'docker'), fakeDocker(`unix://${join(dir, 'engine.sock')}`));
    await chmod(join(dir, 'docker'), 0o755);
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const docker = () => new DockerCli(join(dir, 'docker'));

  it('lists the containers carrying every label, with their state and slipway labels', async () => {
    answer = () => ({
      status: 200,
      body: [
        {
          Id: 'c1',
          State: 'running',
          Labels: { 'slipway.app': 'hello', 'slipway.revision': '3', 'slipway.deployment': 'dep-1' },
        },
        { Id: 'c2', State: 'exited', Labels: {} },
      ],
    });

    const listed = await docker().list({ 'slipway.stack': 's', 'slipway.app': 'hello' });

    expect(listed).toEqual([
      { id: 'c1', running: true, app: 'hello', revision: 3, deployment: 'dep-1' },
      { id: 'c2', running: false, app: '', revision: 0, deployment: '' },
    ]);
    const url = new URL(seen[0]!.url, 'http://engine');
    expect(url.pathname).toBe('/containers/json');
    expect(url.searchParams.get('all')).toBe('true');
    expect(JSON.parse(url.searchParams.get('filters')!)).toEqual({
      label: ['slipway.stack=s', 'slipway.app=hello'],
    });
  });

  it('reads a container state', async () => {
    answer = () => ({
      status: 200,
      body: { State: { Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true, Error: '' } },
    });

    expect(await docker().state('c1')).toEqual({ running: false, exitCode: 137, oomKilled: true, error: '' });
  });

  it('answers no state for a container being removed: the 137 of `rm -f` is not how it ended', async () => {
    answer = () => ({
      status: 200,
      body: { State: { Status: 'removing', Running: false, ExitCode: 137, OOMKilled: false, Error: '' } },
    });

    expect(await docker().state('c1')).toBeUndefined();
  });

  it('answers no state for a container the engine does not know', async () => {
    answer = () => ({ status: 404, body: { message: 'No such container: c9' } });

    expect(await docker().state('c9')).toBeUndefined();
  });

  it('finds the port published on 127.0.0.1', async () => {
    answer = () => ({
      status: 200,
      body: {
        NetworkSettings: {
          Ports: {
            '8080/tcp': [
              { HostIp: '0.0.0.0', HostPort: '1' },
              { HostIp: '127.0.0.1', HostPort: '49153' },
            ],
          },
        },
      },
    });

    expect(await docker().hostPort('c1', 8080)).toBe(49153);
  });

  it('refuses a port that is not published, as docker port does', async () => {
    answer = () => ({ status: 200, body: { NetworkSettings: { Ports: {} } } });

    await expect(docker().hostPort('c1', 8080)).rejects.toBeInstanceOf(DockerCommandError);
  });

  it('force-removes each container, those already gone or being removed included', async () => {
    answer = (request) =>
      request.url?.startsWith('/containers/gone')
        ? { status: 404 }
        : request.url?.startsWith('/containers/going')
          ? { status: 409, body: { message: 'removal of container going is already in progress' } }
          : { status: 204 };

    await docker().remove(['c1', 'gone', 'going']);

    expect(seen.map((s) => `${s.method} ${s.url}`).sort()).toEqual([
      'DELETE /containers/c1?force=true',
      'DELETE /containers/going?force=true',
      'DELETE /containers/gone?force=true',
    ]);
  });

  it('runs a container as docker run -d would: created with its settings, then started', async () => {
    const bodies: unknown[] = [];
    answer = (request) => {
      if (request.url?.startsWith('/containers/create')) return { status: 201, body: { Id: 'c0ffee' } };
      return { status: 204 };
    };
    server.prependListener('request', (request: IncomingMessage) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => text && bodies.push(JSON.parse(text)));
    });

    const id = await docker().run({
      name: 'slipway-hello-r1-abc',
      image: '127.0.0.1:5000/hello@sha256:ab',
      labels: { 'slipway.stack': 's' },
      port: 8080,
      env: { MODE: 'web' },
      secretEnv: { DB_PASSWORD: 'hunter2', CERT: 'line one\nline two' },
      cpus: 0.25,
      memoryMiB: 512,
      entryPoint: ['/bin/sh', '-c'],
      command: ['httpd -f'],
    });

    expect(id).toBe('c0ffee');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /containers/create?name=slipway-hello-r1-abc',
      'POST /containers/c0ffee/start',
    ]);
    expect(bodies[0]).toEqual({
      Image: '127.0.0.1:5000/hello@sha256:ab',
      Labels: { 'slipway.stack': 's' },
      Env: ['DB_PASSWORD=hunter2', 'MODE=web', 'CERT=line one\nline two'],
      Entrypoint: ['/bin/sh'],
      Cmd: ['-c', 'httpd -f'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        NanoCpus: 250_000_000,
        Memory: 512 * 1024 * 1024,
      },
    });
  });

  it('leaves an image the engine does not have to the client, which pulls it', async () => {
    answer = () => ({ status: 404, body: { message: 'No such image: 127.0.0.1:5000/hello@sha256:ab' } });

    // The test's client fails any command it is asked to run: reaching it is what this checks.
    await expect(
      docker().run({ name: 'n', image: '127.0.0.1:5000/hello@sha256:ab', labels: {}, port: 8080, env: {} }),
    ).rejects.toThrow(/the test's docker was run: run -d --name n/);
  });

  it("fails with the engine's words when it refuses", async () => {
    answer = () => ({ status: 500, body: { message: 'driver failed' } });

    await expect(docker().remove(['c1'])).rejects.toThrow(/driver failed/);
  });
});

describe('engineSocket', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-engine-unit-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function clientFor(host: string): Promise<string> {
    await writeFile(join(dir, 'docker'), fakeDocker(host));
    await chmod(join(dir, 'docker'), 0o755);
    return join(dir, 'docker');
  }

  it("names the unix socket of the client's engine", async () => {
    expect(await engineSocket(await clientFor('unix:///run/user/1000/docker.sock'))).toBe('/run/user/1000/docker.sock');
  });

  it('names none for an engine reached over the network, so the client is used', async () => {
    expect(await engineSocket(await clientFor('tcp://10.0.0.5:2376'))).toBeUndefined();
  });

  it('names none when the client cannot run', async () => {
    expect(await engineSocket(join(dir, 'no-such-docker'))).toBeUndefined();
  });
});
