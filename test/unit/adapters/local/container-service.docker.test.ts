import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerCli, type RunSpec } from '../../../../src/adapters/local/container-service/docker.ts';

// A stand-in `docker` that records what it was given: its arguments, the env file as it was during the call, its environment.
const FAKE_DOCKER = (out: string) => `#!/bin/sh
printf '%s\\n' "$@" > "${out}/args"
prev=""
for a in "$@"; do
  if [ "$prev" = "--env-file" ]; then cp "$a" "${out}/env-file"; stat -c %a "$a" > "${out}/mode"; printf '%s' "$a" > "${out}/path"; fi
  prev="$a"
done
env > "${out}/env"
echo c0ffee
`;

function aSpec(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    name: 'slipway-hello-r1-abc',
    image: 'hello:1',
    labels: { 'slipway.stack': 's' },
    port: 8080,
    env: {},
    ...overrides,
  };
}

describe('DockerCli.run', () => {
  let dir: string;
  let docker: DockerCli;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-docker-unit-'));
    await writeFile(join(dir, 'docker'), FAKE_DOCKER(dir));
    await chmod(join(dir, 'docker'), 0o755);
    docker = new DockerCli(join(dir, 'docker'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const recorded = (file: string) => readFile(join(dir, file), 'utf8');

  it('passes one-line secrets in an env file only its owner can read', async () => {
    await docker.run(aSpec({ secretEnv: { DB_PASSWORD: 'hunter2 with spaces' } }));

    expect(await recorded('env-file')).toBe('DB_PASSWORD=hunter2 with spaces\n');
    expect((await recorded('mode')).trim()).toBe('600');
  });

  it('removes the env file once docker run returns', async () => {
    await docker.run(aSpec({ secretEnv: { DB_PASSWORD: 'hunter2' } }));

    await expect(access(await recorded('path'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('passes a multi-line secret by name, its value in the client environment', async () => {
    await docker.run(aSpec({ secretEnv: { KEY: 'line one\nline two' } }));

    const args = (await recorded('args')).split('\n');
    expect(args[args.indexOf('-e') + 1]).toBe('KEY');
    expect(await recorded('env')).toContain('KEY=line one\nline two');
  });

  it('never puts a secret value on the command line', async () => {
    await docker.run(aSpec({ env: { MODE: 'prod' }, secretEnv: { ONE: 'hunter2', TWO: 'multi\nline' } }));

    const args = await recorded('args');
    expect(args).toContain('MODE=prod');
    expect(args).not.toContain('hunter2');
    expect(args).not.toContain('multi');
  });

  it('refuses a multi-line secret named like a setting of the docker client', async () => {
    await expect(docker.run(aSpec({ secretEnv: { DOCKER_HOST: 'a\nb' } }))).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('Rename the variable'),
    });
  });

  it('sets cpu and memory limits', async () => {
    await docker.run(aSpec({ cpus: 0.25, memoryMiB: 512 }));

    const args = (await recorded('args')).split('\n');
    expect(args.slice(args.indexOf('--cpus'), args.indexOf('--cpus') + 2)).toEqual(['--cpus', '0.25']);
    expect(args.slice(args.indexOf('--memory'), args.indexOf('--memory') + 2)).toEqual(['--memory', '512m']);
  });

  it('passes no env file, limits or client environment when none are asked for', async () => {
    await docker.run(aSpec());

    const args = await recorded('args');
    expect(args).not.toMatch(/--env-file|--cpus|--memory/);
  });
});
