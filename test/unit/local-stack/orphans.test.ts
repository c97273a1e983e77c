import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reapOrphans } from '../../../src/local-stack/orphans.ts';
import { groupAlive } from '../../../src/local-stack/processes.ts';
import { stackPaths, type StackPaths } from '../../../src/local-stack/paths.ts';
import { isAlive } from '../../../src/local-stack/stack-file.ts';
import { registryPidFile } from '../../../src/stand-ins/registry-process.ts';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A process of its own group, as a killed stack leaves one: not our child once we forget it. */
function detached(command: string, args: string[]): number {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child.pid!);
  return child.pid!;
}

async function statePaths(): Promise<StackPaths> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-orphans-'));
  return stackPaths(root, join(root, '.slipway'));
}

async function orphanBuild(paths: StackPaths, name: string, status = 'IN_PROGRESS'): Promise<number> {
  const dir = join(paths.builds, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'build.sh'), 'sleep 60 & wait\n');
  const pid = detached('bash', [join(dir, 'build.sh')]);
  await writeFile(join(dir, 'state.json'), JSON.stringify({ buildId: name.replace('_', ':'), status, pid }));
  return pid;
}

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}

describe.skipIf(process.platform !== 'linux')('reapOrphans', () => {
  it("stops a killed stack's registry, found by its pid file and command line", async () => {
    const paths = await statePaths();
    await mkdir(paths.registry, { recursive: true });
    const binDir = await mkdtemp(join(tmpdir(), 'slipway-bin-'));
    await writeFile(join(binDir, 'docker-registry'), '#!/bin/sh\nsleep 60\n');
    await chmod(join(binDir, 'docker-registry'), 0o755);
    // `sh docker-registry serve <config>`: the command line the check looks for.
    const pid = detached('sh', [join(binDir, 'docker-registry'), 'serve', join(paths.registry, 'config.yml')]);
    await writeFile(registryPidFile(paths.registry), `${pid}\n`);

    const cleaned = await reapOrphans(paths);

    expect(await gone(pid)).toBe(true);
    expect(cleaned).toEqual([expect.stringContaining(`registry process ${pid}`)]);
  });

  it('stops a build a killed stack left running, with its process group', async () => {
    const paths = await statePaths();
    const pid = await orphanBuild(paths, 'slipway-hello_1234');

    const cleaned = await reapOrphans(paths);

    expect(await gone(pid)).toBe(true);
    expect(cleaned).toEqual([expect.stringContaining('build slipway-hello:1234')]);
  });

  it("stops what is left of a build's process group after its bash died", async () => {
    const paths = await statePaths();
    const dir = join(paths.builds, 'slipway-hello_9999');
    await mkdir(dir, { recursive: true });
    // bash starts a docker-like child in its group and exits, as it does when the stack's pipes close.
    const leader = detached('bash', ['-c', 'sleep 60 &', join(dir, 'build.sh')]);
    await writeFile(
      join(dir, 'state.json'),
      JSON.stringify({ buildId: 'slipway-hello:9999', status: 'IN_PROGRESS', pid: leader }),
    );
    expect(await gone(leader)).toBe(true);
    expect(groupAlive(leader)).toBe(true);

    const cleaned = await reapOrphans(paths);

    expect(groupAlive(leader)).toBe(false);
    expect(cleaned).toEqual([expect.stringContaining('build slipway-hello:9999')]);
  });

  it('leaves alone a process whose pid a pid file names but whose command line is another', async () => {
    const paths = await statePaths();
    await mkdir(paths.registry, { recursive: true });
    const stranger = detached('sleep', ['60']);
    await writeFile(registryPidFile(paths.registry), `${stranger}\n`);
    await mkdir(join(paths.builds, 'slipway-hello_1'), { recursive: true });
    await writeFile(
      join(paths.builds, 'slipway-hello_1', 'state.json'),
      JSON.stringify({ status: 'IN_PROGRESS', pid: stranger }),
    );

    expect(await reapOrphans(paths)).toEqual([]);
    expect(isAlive(stranger)).toBe(true);
  });

  it('creates nothing in a state folder that does not exist', async () => {
    const paths = await statePaths();
    expect(await reapOrphans(paths)).toEqual([]);
    expect(existsSync(paths.dir)).toBe(false);
  });

  it('leaves a finished build alone', async () => {
    const paths = await statePaths();
    const pid = await orphanBuild(paths, 'slipway-hello_5678', 'SUCCEEDED');
    expect(await reapOrphans(paths)).toEqual([]);
    expect(isAlive(pid)).toBe(true);
  });

  it('removes the temp folder', async () => {
    const paths = await statePaths();
    await mkdir(join(paths.tmp, 'slipway-s3-post-abc'), { recursive: true });
    await writeFile(join(paths.tmp, 'slipway-s3-post-abc', 'body'), 'x');

    const cleaned = await reapOrphans(paths);

    expect(existsSync(paths.tmp)).toBe(false);
    expect(cleaned).toEqual([expect.stringContaining('removed 1 temp folder(s)')]);
  });
});
