import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  BuildNotFoundError,
  type BuildRequest,
  type BuildRunner,
  type BuildState,
  type ContextLocation,
} from '../../src/ports/build-runner.ts';

/** What a BuildRunner adapter's test provides so the shared behaviours can run against it. */
export interface BuildRunnerHarness {
  runner: BuildRunner;
  /** Packs `files` into a tar.gz where the runner can fetch it, and returns its location. */
  serveContext(files: Record<string, string>): Promise<ContextLocation>;
  /** The repository URI to push `name` to. */
  repository(name: string): string;
  /** The digest the registry answers for repository:tag (HEAD manifests, header Docker-Content-Digest). */
  registryDigest(repository: string, tag: string): Promise<string | undefined>;
  /** Every line the build printed. */
  log(buildId: string): Promise<string[]>;
}

const MULTI_STAGE = `FROM busybox:latest AS build
ARG GREETING=hello
RUN mkdir -p /out && echo "$GREETING from the build stage" > /out/greeting.txt
FROM busybox:latest
COPY --from=build /out/greeting.txt /greeting.txt
CMD ["cat", "/greeting.txt"]
`;

const suffix = (): string => randomBytes(4).toString('hex');

/** `request(h, { context })` → a complete request for a fresh repository and tag. */
export function buildRequest(
  h: BuildRunnerHarness,
  overrides: Partial<BuildRequest> & { context: ContextLocation },
): BuildRequest {
  const app = `contract-${suffix()}`;
  return {
    runId: `01JTEST${suffix().toUpperCase()}`,
    app,
    contextPath: '.',
    dockerfile: 'Dockerfile',
    imageRepository: h.repository(app),
    imageTags: [`run-${suffix()}`],
    buildArgs: {},
    ...overrides,
  };
}

/** Polls get() until the build leaves IN_PROGRESS, or fails the test at the deadline. */
export async function waitForBuild(runner: BuildRunner, buildId: string, timeoutMs = 45_000): Promise<BuildState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await runner.get(buildId);
    if (state.status !== 'IN_PROGRESS') return state;
    if (Date.now() > deadline)
      throw new Error(
        `build ${buildId} still ${state.phase} after ${timeoutMs} ms; log tail:\n${state.logTail?.join('\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The behaviours every BuildRunner shows; call inside a describe whose beforeAll fills `harness()`. */
export function buildRunnerContract(harness: () => BuildRunnerHarness): void {
  it('builds a multi-stage Dockerfile, pushes every tag and exports the digest the registry holds', async () => {
    const h = harness();
    const request = buildRequest(h, { context: await h.serveContext({ Dockerfile: MULTI_STAGE }) });
    request.imageTags = [...request.imageTags, `${request.imageTags[0]}-again`];

    const { buildId } = await h.runner.start(request);
    const state = await waitForBuild(h.runner, buildId);

    expect(state, state.logTail?.join('\n')).toMatchObject({ status: 'SUCCEEDED', phase: 'COMPLETED' });
    expect(state.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const tag of request.imageTags)
      expect(await h.registryDigest(request.imageRepository, tag)).toBe(state.imageDigest);
  });

  it('fails in PRE_BUILD with DockerfileNotFound when the context has no Dockerfile', async () => {
    const h = harness();
    const request = buildRequest(h, { context: await h.serveContext({ 'README.md': 'no Dockerfile here\n' }) });

    const state = await waitForBuild(h.runner, (await h.runner.start(request)).buildId);

    expect(state.status).toBe('FAILED');
    expect(state.failure).toEqual({ phase: 'PRE_BUILD', message: 'DockerfileNotFound: Dockerfile' });
    expect(state.imageDigest).toBeUndefined();
  });

  it('fails in PRE_BUILD with ContextDownloadFailed when no context is at the location', async () => {
    const h = harness();
    const request = buildRequest(h, {
      context: { ...(await h.serveContext({ Dockerfile: MULTI_STAGE })), key: `contexts/missing-${suffix()}.tar.gz` },
    });

    const state = await waitForBuild(h.runner, (await h.runner.start(request)).buildId);

    expect(state.status).toBe('FAILED');
    expect(state.failure?.phase).toBe('PRE_BUILD');
    expect(state.failure?.message).toMatch(/^ContextDownloadFailed: /);
  });

  it('fails in BUILD with the failing RUN step in the log tail', async () => {
    const h = harness();
    const dockerfile = 'FROM busybox:latest\nRUN echo "contract-boom-$((6 * 7))" && exit 3\n';
    const request = buildRequest(h, { context: await h.serveContext({ Dockerfile: dockerfile }) });

    const state = await waitForBuild(h.runner, (await h.runner.start(request)).buildId);

    expect(state.status).toBe('FAILED');
    expect(state.failure?.phase).toBe('BUILD');
    expect(state.failure?.message).toMatch(/^ImageBuildFailed: /);
    expect(state.logTail?.join('\n')).toContain('contract-boom-42');
  });

  it('passes build args and the target stage to docker build', async () => {
    const h = harness();
    const nonce = suffix(); // a fresh value, so the RUN step cannot come from the build cache and stay silent
    const dockerfile = [
      'FROM busybox:latest AS base',
      'ARG MESSAGE',
      'RUN echo "message=$MESSAGE" | tee /message.txt',
      'FROM base AS dev',
      `RUN echo "stage=dev-${nonce}"`,
      'FROM base AS prod',
      `RUN echo "stage=prod-${nonce}"`,
      '',
    ].join('\n');
    const request = buildRequest(h, {
      context: await h.serveContext({ Dockerfile: dockerfile }),
      buildArgs: { MESSAGE: `hello world=${nonce}` },
      target: 'dev',
    });

    const { buildId } = await h.runner.start(request);
    const state = await waitForBuild(h.runner, buildId);
    const log = (await h.log(buildId)).join('\n');

    expect(state.status, state.logTail?.join('\n')).toBe('SUCCEEDED');
    expect(log).toContain(`message=hello world=${nonce}`);
    expect(log).toContain(`stage=dev-${nonce}`);
    expect(log).not.toContain(`stage=prod-${nonce}`);
  });

  it('builds the Dockerfile named relative to a context subfolder', async () => {
    const h = harness();
    const context = await h.serveContext({
      'services/api/docker/Dockerfile.prod': 'FROM busybox:latest\nCOPY app.txt /app.txt\n',
      'services/api/app.txt': 'api\n',
      Dockerfile: 'FROM busybox:latest\nRUN exit 1\n',
    });
    const request = buildRequest(h, { context, contextPath: 'services/api', dockerfile: 'docker/Dockerfile.prod' });

    const state = await waitForBuild(h.runner, (await h.runner.start(request)).buildId);

    expect(state.status, state.logTail?.join('\n')).toBe('SUCCEEDED');
    expect(await h.registryDigest(request.imageRepository, request.imageTags[0] as string)).toBe(state.imageDigest);
  });
}

/**
 * The errors every BuildRunner throws, for adapters whose happy path needs infrastructure the test
 * cannot have (CodeBuild): the same error class, kind and fields, whichever adapter threw it.
 */
export function buildRunnerErrorContract(runner: () => BuildRunner): void {
  it('throws BuildNotFoundError (kind not-found) for a build it never started', async () => {
    const buildId = `slipway-contract:${suffix()}`;

    const error = await runner()
      .get(buildId)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(BuildNotFoundError);
    expect(error).toMatchObject({ name: 'BuildNotFoundError', kind: 'not-found', buildId });
    expect((error as Error).message).toContain(buildId);
  });
}
