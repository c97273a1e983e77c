import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../src/domain/errors.ts';
import { InvalidBuildspecError, LocalBuildRunner } from '../../../../src/adapters/local/build-runner/index.ts';
import { BuildNotFoundError } from '../../../../src/ports/build-runner.ts';
import type { BuildRunner, BuildState } from '../../../../src/ports/build-runner.ts';
import { aBuildRequest, aContextStore, phases } from './build-runner.fixtures.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

async function finished(runner: BuildRunner, buildId: string): Promise<BuildState> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const state = await runner.get(buildId);
    if (state.status !== 'IN_PROGRESS') return state;
    if (Date.now() > deadline) throw new Error(`build still ${state.phase}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// These buildspecs stand in for the real one: plain bash, so no Docker engine is needed. Each test starts
// bash processes: on a 2-core machine busy with the other projects' packaging, that has taken over 5 s.
describe('LocalBuildRunner', { timeout: 30_000 }, () => {
  let root: string;
  let runner: LocalBuildRunner;

  async function withBuildspec(
    yaml: string,
    options: { docker?: string; onStateChange?: (build: BuildState) => void } = {},
  ): Promise<LocalBuildRunner> {
    const path = join(root, `buildspec-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(path, yaml);
    runner = new LocalBuildRunner({
      buildspecPath: path,
      workDir: join(root, 'builds'),
      contexts: aContextStore(),
      // No Docker in unit tests: these buildspecs are plain bash, and the runner's `docker buildx version`
      // probe answers "no" at once instead of starting the real client (slow on a loaded machine).
      docker: '/bin/false',
      ...options,
    });
    return runner;
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-runner-unit-'));
  });

  afterEach(async () => {
    await runner?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('returns a CodeBuild-style build id while the build is still running', async () => {
    const r = await withBuildspec(phases({ build: ['sleep 5'] }));

    const { buildId } = await r.start(aBuildRequest());

    expect(buildId).toMatch(/^slipway-hello:[0-9a-f-]{36}$/);
    expect((await r.get(buildId)).status).toBe('IN_PROGRESS');
  });

  it('reports success with the exported IMAGE_DIGEST', async () => {
    const r = await withBuildspec(
      phases({ post_build: [`export IMAGE_DIGEST=${DIGEST}`] }, 'env:\n  exported-variables: [IMAGE_DIGEST]\n'),
    );

    const state = await finished(r, (await r.start(aBuildRequest())).buildId);

    expect(state).toMatchObject({ status: 'SUCCEEDED', phase: 'COMPLETED', imageDigest: DIGEST });
  });

  it('runs the buildspec as it is when each build starts: an edit applies to the next build', async () => {
    const r = await withBuildspec(phases({ build: ['echo first version'] }));
    const first = await finished(r, (await r.start(aBuildRequest())).buildId);
    await writeFile(r['options'].buildspecPath, phases({ build: ['echo second version'] }));

    const second = await finished(r, (await r.start(aBuildRequest())).buildId);

    expect((await r.logLines(first.buildId)).lines).toContain('first version');
    expect((await r.logLines(second.buildId)).lines).toContain('second version');
    expect((await r.logLines(second.buildId)).lines).not.toContain('first version');
  });

  it('tells when a build starts and when it ends, the end once get() answers it', async () => {
    const told: [string, string, string | undefined][] = [];
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const r = await withBuildspec(
      phases({ post_build: [`export IMAGE_DIGEST=${DIGEST}`] }, 'env:\n  exported-variables: [IMAGE_DIGEST]\n'),
      {
        onStateChange: (build) => {
          told.push([build.buildId, build.status, build.imageDigest]);
          if (build.status !== 'IN_PROGRESS') ended();
        },
      },
    );

    const { buildId } = await r.start(aBuildRequest());
    await end;
    // Told only once get() answers the end.
    expect((await r.get(buildId)).status).toBe('SUCCEEDED');

    expect(told).toEqual([
      [buildId, 'IN_PROGRESS', undefined],
      [buildId, 'SUCCEEDED', DIGEST],
    ]);
  });

  it('ignores an exported IMAGE_DIGEST that is not a digest', async () => {
    const r = await withBuildspec(
      phases({ post_build: ['export IMAGE_DIGEST=latest'] }, 'env:\n  exported-variables: [IMAGE_DIGEST]\n'),
    );

    expect((await finished(r, (await r.start(aBuildRequest())).buildId)).imageDigest).toBeUndefined();
  });

  it('gives the buildspec the SLIPWAY_* inputs', async () => {
    const r = await withBuildspec(
      phases({
        build: [
          'echo "$SLIPWAY_APP|$SLIPWAY_IMAGE_TAGS|$SLIPWAY_TARGET|$SLIPWAY_REGISTRY_LOGIN|${SLIPWAY_PLATFORM-unset}"',
          'echo "$SLIPWAY_BUILD_ARGS"',
        ],
      }),
    );
    const request = aBuildRequest({ imageTags: ['a', 'b'], buildArgs: { ONE: '1', TWO: 'x y=z' }, target: 'prod' });

    const { buildId } = await r.start(request);
    await finished(r, buildId);
    const { lines } = await r.logLines(buildId);

    expect(lines).toContain('hello|a b|prod|none|unset');
    expect(lines.slice(lines.indexOf('ONE=1'), lines.indexOf('ONE=1') + 2)).toEqual(['ONE=1', 'TWO=x y=z']);
  });

  it('gives the buildspec CodeBuild variables, with a fresh source folder as the working directory', async () => {
    const r = await withBuildspec(
      phases({
        build: [
          'echo "$CODEBUILD_BUILD_ID $CODEBUILD_BUILD_NUMBER $CODEBUILD_BUILD_SUCCEEDING $([ "$PWD" = "$CODEBUILD_SRC_DIR" ] && echo cwd-ok)"',
        ],
      }),
    );

    const { buildId } = await r.start(aBuildRequest());
    await finished(r, buildId);

    expect((await r.logLines(buildId)).lines).toContain(`${buildId} 1 1 cwd-ok`);
  });

  it('numbers builds per app', async () => {
    const r = await withBuildspec(phases({ build: ['echo "n=$CODEBUILD_BUILD_NUMBER"'] }));
    const first = await r.start(aBuildRequest());
    const second = await r.start(aBuildRequest());
    await Promise.all([finished(r, first.buildId), finished(r, second.buildId)]);

    expect((await r.logLines(second.buildId)).lines).toContain('n=2');
  });

  it('keeps host variables out of the build but passes the extra env', async () => {
    process.env.SLIPWAY_LEAK_TEST = 'leaked';
    const path = join(root, 'spec.yml');
    await writeFile(path, phases({ build: ['echo "${SLIPWAY_LEAK_TEST-absent} $EXTRA"'] }));
    runner = new LocalBuildRunner({
      buildspecPath: path,
      workDir: join(root, 'builds'),
      contexts: aContextStore(),
      docker: '/bin/false',
      env: { EXTRA: 'given' },
    });

    const { buildId } = await runner.start(aBuildRequest());
    await finished(runner, buildId);
    delete process.env.SLIPWAY_LEAK_TEST;

    expect((await runner.logLines(buildId)).lines).toContain('absent given');
  });

  it('makes `docker` in the buildspec run the chosen client', async () => {
    const r = await withBuildspec(phases({ build: ['docker "ran the chosen client"'] }), { docker: '/bin/echo' });

    const { buildId } = await r.start(aBuildRequest());
    await finished(r, buildId);

    expect((await r.logLines(buildId)).lines).toContain('ran the chosen client');
  });

  it("reports the failed phase in the build's own words", async () => {
    const r = await withBuildspec(
      phases({ pre_build: ['echo "slipway: error: DockerfileNotFound: Dockerfile"; false'], build: ['echo never'] }),
    );

    const state = await finished(r, (await r.start(aBuildRequest())).buildId);

    expect(state).toMatchObject({
      status: 'FAILED',
      phase: 'COMPLETED',
      failure: { phase: 'PRE_BUILD', message: 'DockerfileNotFound: Dockerfile' },
    });
  });

  it('writes every line to build.log and hands them out after a cursor', async () => {
    const r = await withBuildspec(phases({ build: ['echo first', 'echo second'] }));
    const { buildId } = await r.start(aBuildRequest());
    const state = await finished(r, buildId);
    const all = await r.logLines(buildId, 0);

    const rest = await r.logLines(buildId, all.lines.indexOf('first') + 1);

    expect((await readFile(state.logs?.path as string, 'utf8')).split('\n')).toContain('second');
    expect(rest.lines.filter((line) => !line.startsWith('[Container]'))).toEqual(['second']);
    expect(rest).toMatchObject({ cursor: all.cursor, done: true });
  });

  it('tells a reader waiting after the last line as soon as the next one is in build.log', async () => {
    const r = await withBuildspec(phases({ build: ['sleep 0.2', 'echo second', 'sleep 30'] }));
    const { buildId } = await r.start(aBuildRequest());
    let read: string[] = [];
    let cursor = 0;
    while (!read.includes('second')) {
      await r.whenOutput(buildId, cursor, 30_000);
      const page = await r.logLines(buildId, cursor);
      read = [...read, ...page.lines];
      cursor = page.cursor;
    }

    expect((await r.get(buildId)).status).toBe('IN_PROGRESS');
  });

  it('answers a reader at once for a build that has ended', async () => {
    const r = await withBuildspec(phases({ build: ['echo only'] }));
    const { buildId } = await r.start(aBuildRequest());
    await finished(r, buildId);
    const { cursor } = await r.logLines(buildId, 0);

    // Within the test's own timeout, far shorter than the 30 s the reader would wait.
    await expect(r.whenOutput(buildId, cursor, 30_000)).resolves.toBeUndefined();
  });

  it('answers get for a finished build after a restart, from state.json', async () => {
    const r = await withBuildspec(
      phases({ post_build: [`export IMAGE_DIGEST=${DIGEST}`] }, 'env:\n  exported-variables: [IMAGE_DIGEST]\n'),
    );
    const { buildId } = await r.start(aBuildRequest());
    const before = await finished(r, buildId);
    await r.close();

    const restarted = new LocalBuildRunner({
      buildspecPath: join(root, 'unused.yml'),
      workDir: join(root, 'builds'),
      contexts: aContextStore(),
    });

    expect(await restarted.get(buildId)).toEqual(before);
  });

  it('reports a build that was running when the runner went away as failed', async () => {
    const dir = join(root, 'builds', 'slipway-hello_00000000-0000-0000-0000-000000000000');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'state.json'),
      JSON.stringify({
        buildId: 'slipway-hello:00000000-0000-0000-0000-000000000000',
        status: 'IN_PROGRESS',
        phase: 'BUILD',
        pid: 1,
        phases: [],
      }),
    );
    runner = new LocalBuildRunner({
      buildspecPath: join(root, 'unused.yml'),
      workDir: join(root, 'builds'),
      contexts: aContextStore(),
    });

    const state = await runner.get('slipway-hello:00000000-0000-0000-0000-000000000000');

    expect(state).toMatchObject({
      status: 'FAILED',
      failure: { phase: 'BUILD', message: expect.stringContaining('interrupted') },
    });
  });

  it('stops a running build', { timeout: 30_000 }, async () => {
    const r = await withBuildspec(phases({ build: ['sleep 30'] }));
    const { buildId } = await r.start(aBuildRequest());

    await r.stop(buildId);

    expect(await r.get(buildId)).toMatchObject({ status: 'STOPPED' });
  });

  it.each(['slipway-hello:4f1c0000-0000-0000-0000-000000000000', '../../etc/passwd', ''])(
    'throws BuildNotFoundError for unknown build %j',
    async (buildId) => {
      const r = await withBuildspec(phases({}));

      await expect(r.get(buildId)).rejects.toBeInstanceOf(BuildNotFoundError);
    },
  );

  it('names the BuildNotFoundError for Retry/Catch', async () => {
    const r = await withBuildspec(phases({}));

    await expect(r.get('slipway-x:1')).rejects.toMatchObject({ name: 'BuildNotFoundError', buildId: 'slipway-x:1' });
  });

  it('rejects a request the buildspec could not take, naming the fields', async () => {
    const r = await withBuildspec(phases({}));
    const request = aBuildRequest({
      app: 'a/b',
      imageTags: ['bad tag'],
      buildArgs: { 'NOT-A-NAME': 'x', OK: 'two\nlines' },
    });

    const error = await r.start(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((issue) => issue.split(':')[0])).toEqual([
      'app',
      'imageTags',
      'buildArgs.NOT-A-NAME',
      'buildArgs.OK',
    ]);
  });

  it('rejects an invalid buildspec at start', async () => {
    const r = await withBuildspec('version: 0.2\nphases:\n  biuld: {}\n');

    await expect(r.start(aBuildRequest())).rejects.toBeInstanceOf(InvalidBuildspecError);
  });

  it('fetches the context before the buildspec runs and names the file in SLIPWAY_CONTEXT_FILE', async () => {
    const r = await withBuildspec(
      phases({
        pre_build: ['echo "context: $(cat "$SLIPWAY_CONTEXT_FILE") from $SLIPWAY_CONTEXT_BUCKET/$SLIPWAY_CONTEXT_KEY"'],
      }),
    );

    const state = await finished(r, (await r.start(aBuildRequest())).buildId);

    expect(state.status, state.logTail?.join('\n')).toBe('SUCCEEDED');
    expect((await r.logLines(state.buildId)).lines).toContain(
      'context: context-bytes from slipway-local/contexts/hello/01JTESTRUN0000000000000000.tar.gz',
    );
  });

  it("puts no URL in the build's environment", async () => {
    const r = await withBuildspec(phases({ build: ['env'] }));

    const state = await finished(r, (await r.start(aBuildRequest())).buildId);

    const lines = (await r.logLines(state.buildId)).lines;
    expect(lines).toContainEqual(expect.stringMatching(/^SLIPWAY_CONTEXT_KEY=/));
    expect(lines.filter((line) => /^\w+=.*(data:|https?:\/\/)/.test(line))).toEqual([]);
  });

  it('logs why a context could not be fetched and leaves SLIPWAY_CONTEXT_FILE naming no file', async () => {
    runner = new LocalBuildRunner({
      buildspecPath: join(root, 'spec.yml'),
      workDir: join(root, 'builds'),
      contexts: aContextStore({}),
      docker: '/bin/false',
    });
    await writeFile(
      join(root, 'spec.yml'),
      phases({
        pre_build: ['[ -e "$SLIPWAY_CONTEXT_FILE" ] || { echo "slipway: error: ContextDownloadFailed: gone"; false; }'],
      }),
    );

    const state = await finished(runner, (await runner.start(aBuildRequest())).buildId);

    expect(state).toMatchObject({
      status: 'FAILED',
      failure: { phase: 'PRE_BUILD', message: 'ContextDownloadFailed: gone' },
    });
    expect((await runner.logLines(state.buildId)).lines[0]).toMatch(
      /^slipway: could not fetch the context slipway-local\/contexts\/hello\/01JTESTRUN0000000000000000\.tar\.gz: /,
    );
  });

  it('removes the fetched context once the build has ended', async () => {
    const r = await withBuildspec(phases({ build: ['echo "$SLIPWAY_CONTEXT_FILE"'] }));

    const state = await finished(r, (await r.start(aBuildRequest())).buildId);

    const file = (await r.logLines(state.buildId)).lines.find((line) => line.endsWith('context.tar.gz')) as string;
    // The runner removes it just after recording the end: poll with a deadline.
    const deadline = Date.now() + 5_000;
    while (
      (await readFile(file).then(
        () => true,
        () => false,
      )) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects unknown options', () => {
    expect(() => new LocalBuildRunner({ buildspecPath: 'b.yml', workDir: 'w', dokcer: '/x' } as never)).toThrow(
      /unknown option\(s\) dokcer/,
    );
  });
});
