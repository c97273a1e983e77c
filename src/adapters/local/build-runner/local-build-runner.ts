import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidInputError } from '../../../domain/errors.ts';
import type { BuildRequest, BuildRunner, BuildState, BuildStatus } from '../../../ports/build-runner.ts';
import type { ObjectStore } from '../../../ports/object-store.ts';
import { parseBuildspec } from './buildspec.ts';
import { buildspecEnvironment, codebuildEnvironment, validateBuildRequest } from './environment.ts';
import { BuildNotFoundError } from '../../../ports/build-runner.ts';
import { BuildProgress } from './progress.ts';
import { renderBuildScript } from './script.ts';
import { throttled } from '../throttled.ts';
import {
  buildDirName,
  readExportedVariables,
  readLogLines,
  readPersistedBuild,
  writePersistedBuild,
  type PersistedBuild,
} from './state-store.ts';
import { isDigest } from '../../../domain/images.ts';
import { DEFAULT_DOCKER } from '../docker-binary.ts';

export interface LocalBuildRunnerOptions {
  /** The buildspec to run, e.g. `buildspec/buildspec.yml`; read again at every start. */
  buildspecPath: string;
  /** A folder under `.slipway/` the runner owns: one subfolder per build with build.log and state.json. */
  workDir: string;
  /**
   * The store holding the contexts (the requests' bucket). The runner fetches each context through a
   * short presigned GET of its own before the buildspec runs, so no URL enters the build's environment.
   */
  contexts: Pick<ObjectStore, 'createDownload'>;
  /** The Docker client the buildspec's `docker` runs. Default `/usr/bin/docker`, the one matching Debian's engine. */
  docker?: string;
  /** Extra environment for the build (PATH, DOCKER_HOST…); the runner's own variables win over these. */
  env?: Record<string, string>;
  now?: () => Date;
  /** Told when a build starts and when it ends, as CodeBuild's "Build State Change" events tell: the local stack puts them on its bus. */
  onStateChange?: (build: BuildState) => void;
}

const OPTION_KEYS = ['buildspecPath', 'workDir', 'contexts', 'docker', 'env', 'now', 'onStateChange'];
/** The runner's own presigned GET is used at once, so it may be short. */
const CONTEXT_URL_SECONDS = 300;
/** The least time between two writes of a running build's state.json (its end is written at once). */
const PERSIST_GAP_MS = 100;
// The host environment a build may need; everything else (a test runner's SLIPWAY_*, CI flags) stays out, as in a fresh CodeBuild container.
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'TMPDIR',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
];

interface RunningBuild {
  state: PersistedBuild;
  progress: BuildProgress;
  dir: string;
  child: ChildProcess;
  stopped: boolean;
  done: Promise<void>;
  /** Its state.json, written behind its phase changes (at most every PERSIST_GAP_MS), then once at the end. */
  saves: { request(): void; flush(): Promise<void> };
  persisting: Promise<void>;
  /** The lines in build.log so far (written, not only received), kept while the build runs: readers are served from here, not the file. */
  lines: string[] | undefined;
  /** Told of each line written and of the build's end. */
  listeners: Set<() => void>;
}

/** CodeBuild on one machine: runs the buildspec's phases with bash and the local Docker engine. */
export class LocalBuildRunner implements BuildRunner {
  private readonly builds = new Map<string, RunningBuild>();
  private readonly buildNumbers = new Map<string, number>();
  private existingBuilds: Promise<string[]> | undefined;
  private buildx: Promise<boolean> | undefined;
  /** The buildspec as last read, parsed and rendered: parsing the YAML again cost each build's start ~1.5 ms. */
  private script: { text: string; rendered: string } | undefined;
  private readonly workDir: string;
  private readonly docker: string;
  private readonly now: () => Date;

  constructor(private readonly options: LocalBuildRunnerOptions) {
    const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.includes(key));
    if (unknown.length > 0)
      throw new InvalidInputError(
        `LocalBuildRunner: unknown option(s) ${unknown.join(', ')}; known: ${OPTION_KEYS.join(', ')}`,
        unknown,
      );
    if (!options.buildspecPath || !options.workDir || !options.contexts)
      throw new InvalidInputError('LocalBuildRunner: buildspecPath, workDir and contexts are required');
    this.workDir = resolve(options.workDir);
    this.docker = options.docker ?? DEFAULT_DOCKER;
    this.now = options.now ?? (() => new Date());
  }

  /** `start(request)` → `{ buildId: 'slipway-hello:4f1c…' }` as soon as bash is running; follow it with get(). */
  async start(request: BuildRequest): Promise<{ buildId: string }> {
    validateBuildRequest(request);
    const script = await this.buildScript();
    const buildId = `slipway-${request.app}:${randomUUID()}`;
    const dir = join(this.workDir, buildDirName(buildId) as string);
    const startTime = this.now();
    const progress = new BuildProgress(this.now);
    progress.enter('SUBMITTED');
    const state: PersistedBuild = {
      buildId,
      app: request.app,
      runId: request.runId,
      buildNumber: await this.nextBuildNumber(request.app),
      status: 'IN_PROGRESS',
      phase: 'SUBMITTED',
      startTime: startTime.toISOString(),
      phases: progress.phases,
      logs: { path: join(dir, 'build.log') },
    };

    progress.enter('PROVISIONING');
    await mkdir(join(dir, 'bin'), { recursive: true });
    // CodeBuild's build role reads the context from S3; here the runner fetches it, outside the build,
    // while the rest of the build's folder is made.
    progress.enter('DOWNLOAD_SOURCE');
    const contextFile = join(dir, 'context.tar.gz');
    const [fetchError, srcDir] = await Promise.all([
      this.fetchContext(request, contextFile),
      mkdtemp(join(tmpdir(), 'slipway-src-')),
      // The buildspec calls plain `docker`; a shim first on PATH makes that the chosen client.
      symlink(this.docker, join(dir, 'bin', 'docker')),
      writeFile(join(dir, 'build.sh'), script),
      this.hasBuildx(),
    ]);
    // A context that could not be fetched leaves no file: the buildspec then fails with ContextDownloadFailed, as in CodeBuild.
    const preamble = fetchError
      ? [`slipway: could not fetch the context ${request.context.bucket}/${request.context.key}: ${fetchError}`]
      : [];

    const env = {
      ...this.environment(
        request,
        { buildId, buildNumber: state.buildNumber, srcDir, startTime },
        join(dir, 'bin'),
        contextFile,
      ),
      SLIPWAY_BUILDX: (await this.hasBuildx()) ? '1' : '0', // asked above, alongside the rest
    };
    const child = spawn('bash', [join(dir, 'build.sh'), join(dir, 'exported-variables')], {
      cwd: srcDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so stop() reaches docker too
    });
    state.pid = child.pid;
    const build: RunningBuild = {
      state,
      progress,
      dir,
      child,
      stopped: false,
      done: Promise.resolve(),
      saves: throttled(() => this.writeState(build), PERSIST_GAP_MS),
      persisting: Promise.resolve(),
      lines: [],
      listeners: new Set(),
    };
    this.builds.set(buildId, build);
    build.done = this.follow(build, child, [srcDir, contextFile], preamble);
    this.persist(build);
    this.tell(build);
    return { buildId };
  }

  /** `get('slipway-hello:4f1c…')` → status, phase, digest once pushed, failure and log tail; finished builds survive a restart. */
  async get(buildId: string): Promise<BuildState> {
    const running = this.builds.get(buildId);
    if (running) return toBuildState(this.snapshot(running));
    return toBuildState(await this.load(buildId));
  }

  /** `logLines(buildId, 0)` → every line so far and the cursor for the next call; `done` once nothing more will come. */
  async logLines(buildId: string, cursor = 0): Promise<{ lines: string[]; cursor: number; done: boolean }> {
    const running = this.builds.get(buildId);
    const state = running?.state ?? (await this.load(buildId));
    const done = state.status !== 'IN_PROGRESS'; // read before the lines, so no line is missed after done
    const lines = running?.lines?.slice(cursor) ?? (await readLogLines(state.logs?.path as string, cursor));
    return { lines, cursor: cursor + lines.length, done };
  }

  /** `whenOutput('slipway-hello:4f1c…', 42, 20_000)` resolves once build.log has more than 42 lines or the build has ended (at once if so already), or after 20 s. */
  async whenOutput(buildId: string, cursor: number, timeoutMs: number): Promise<void> {
    const build = this.builds.get(buildId);
    if (!build?.lines || build.state.status !== 'IN_PROGRESS' || build.lines.length > cursor) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        build.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs).unref();
      build.listeners.add(done);
    });
  }

  /** Stops a running build (its whole process group); it ends as STOPPED. */
  async stop(buildId: string): Promise<void> {
    const build = this.builds.get(buildId);
    if (!build) {
      await this.load(buildId); // throws for an unknown build; a finished one has nothing to stop
      return;
    }
    if (build.child.pid !== undefined && build.state.status === 'IN_PROGRESS') {
      build.stopped = true;
      try {
        process.kill(-build.child.pid, 'SIGTERM');
      } catch {
        // No such group: either bash is gone (follow() records how it ended), or a stop right after start came
        // before the child made its own group (setsid runs in the child, after spawn returns) — then it has
        // started nothing yet, and stopping bash itself is enough.
        build.child.kill('SIGTERM');
      }
    }
    await build.done;
  }

  /** Stops every build still running and waits for their state to be written. */
  async close(): Promise<void> {
    await Promise.all([...this.builds.keys()].map((id) => this.stop(id)));
  }

  /** build.sh for the buildspec as it is now: read on every build (an edited buildspec applies to the next one). */
  private async buildScript(): Promise<string> {
    const text = await readFile(this.options.buildspecPath, 'utf8');
    if (this.script?.text !== text)
      this.script = {
        text,
        rendered: renderBuildScript(parseBuildspec(text, this.options.buildspecPath), this.options.buildspecPath),
      };
    return this.script.rendered;
  }

  /**
   * Whether the client has `docker buildx`, asked once: the buildspec would ask on every build, and the
   * answer costs a docker process (tens of milliseconds). Installing buildx takes a restart of the stack to notice.
   */
  private hasBuildx(): Promise<boolean> {
    this.buildx ??= new Promise((resolve) =>
      execFile(this.docker, ['buildx', 'version'], { timeout: 10_000 }, (error) => resolve(!error)),
    );
    return this.buildx;
  }

  /** Streams the context to `file`; resolves to why it could not, or undefined. */
  private async fetchContext(request: BuildRequest, file: string): Promise<string | undefined> {
    try {
      const download = await this.options.contexts.createDownload({
        key: request.context.key,
        expiresInSeconds: CONTEXT_URL_SECONDS,
      });
      // node:http rather than fetch, whose web streams cost each build's start a few milliseconds more.
      // Bounded like the URL itself: a store that stops answering must not hold start() forever.
      const url = new URL(download.url);
      const get = url.protocol === 'https:' ? (await import('node:https')).get : httpGet;
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        get(url, { headers: download.headers, signal: AbortSignal.timeout(CONTEXT_URL_SECONDS * 1000) }, resolve).on(
          'error',
          reject,
        ),
      );
      if (response.statusCode !== 200) {
        response.resume();
        return `the object store answered ${response.statusCode} ${response.statusMessage}`;
      }
      await pipeline(response, createWriteStream(file));
      return undefined;
    } catch (error) {
      await rm(file, { force: true });
      return error instanceof Error ? error.message : String(error);
    }
  }

  private environment(
    request: BuildRequest,
    build: Parameters<typeof codebuildEnvironment>[0],
    shimDir: string,
    contextFile: string,
  ): Record<string, string> {
    const host = Object.fromEntries(
      PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
    );
    const path = this.options.env?.PATH ?? host.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    return {
      HOME: tmpdir(),
      LANG: 'C.UTF-8',
      TZ: 'UTC', // CodeBuild containers run in UTC; the [Container] lines are UTC too
      ...host,
      ...this.options.env,
      ...codebuildEnvironment(build),
      ...buildspecEnvironment(request, 'none', contextFile),
      PATH: `${shimDir}:${path}`,
    };
  }

  private async follow(
    build: RunningBuild,
    child: ChildProcess,
    leftovers: string[],
    preamble: string[],
  ): Promise<void> {
    const log = createWriteStream(build.state.logs?.path as string, { flags: 'a' });
    // A log that cannot be written (disk full) must not take the process down; get() still has the tail.
    log.on('error', () => undefined);
    let lastPhase = build.progress.phase;
    const told = () => {
      for (const listener of [...build.listeners]) listener();
    };
    const onLine = (line: string): void => {
      log.write(`${line}\n`, () => {
        build.lines?.push(line);
        told();
      });
      build.progress.onLine(line);
      if (build.progress.phase !== lastPhase) {
        lastPhase = build.progress.phase;
        this.persist(build);
      }
    };
    for (const line of preamble) onLine(line);
    const streams = [child.stdout, child.stderr].flatMap((stream) => (stream ? [stream] : []));
    const drained = streams.map(
      (input) =>
        new Promise<void>((done) =>
          createInterface({ input, crlfDelay: Infinity }).on('line', onLine).on('close', done),
        ),
    );
    const exit = await new Promise<{ code: number | null; signal: string | null }>((done) => {
      child.on('error', (error) => {
        onLine(`slipway: could not start bash: ${error.message}`);
        done({ code: 127, signal: null });
      });
      child.on('close', (code, signal) => done({ code, signal }));
    });
    await Promise.all(drained);
    await new Promise<void>((done) => log.end(done));

    const exported = await readExportedVariables(join(build.dir, 'exported-variables'));
    const { progress, state } = build;
    const failed = progress.failedPhase !== undefined || exit.code !== 0;
    const status: BuildStatus = build.stopped ? 'STOPPED' : failed ? 'FAILED' : 'SUCCEEDED';
    // FINALIZING ends normally even for a failed build; any other open phase is where the shell died or was stopped.
    const open = progress.phases.at(-1);
    if (open?.phaseStatus === 'IN_PROGRESS') {
      progress.complete(
        open.phaseType,
        open.phaseType === 'FINALIZING' || status === 'SUCCEEDED'
          ? 'SUCCEEDED'
          : status === 'STOPPED'
            ? 'STOPPED'
            : 'FAILED',
      );
    }
    progress.enter('COMPLETED');
    progress.complete('COMPLETED', 'SUCCEEDED');
    const digest = exported.IMAGE_DIGEST;
    Object.assign(state, {
      status,
      exitCode: exit.code,
      endTime: this.now().toISOString(),
      ...(digest && isDigest(digest) && { imageDigest: digest }),
      ...(status === 'FAILED' && { failure: progress.failure(exit) }),
      ...(status === 'STOPPED' && { failure: { phase: lastPhase, message: 'The build was stopped.' } }),
    });
    build.lines = undefined; // build.log is whole (ended above): readers go to it from now on
    this.persist(build, true);
    told();
    // Told once the end is what get() answers (from memory while this process runs), so whoever looks on
    // hearing it sees the end; the copy on disk, for a restart, is written meanwhile and awaited below,
    // before close() returns — not on the way from the build's end to the run going on.
    this.tell(build);
    await build.persisting;
    // CodeBuild discards the build container; the context and its unpacked copy are the only large leftovers here.
    await Promise.all(leftovers.map((path) => rm(path, { recursive: true, force: true })));
  }

  private tell(build: RunningBuild): void {
    try {
      this.options.onStateChange?.(toBuildState(this.snapshot(build)));
    } catch {
      // A listener's failure is its own: the build goes on.
    }
  }

  private snapshot(build: RunningBuild): PersistedBuild {
    return {
      ...build.state,
      phase: build.progress.phase,
      logTail: build.progress.logTail(build.state.status),
      phases: build.progress.phases,
    };
  }

  /**
   * Has the build's state.json follow its state: behind its phase changes, which come in bursts (a write each
   * was ten per build, beside the build itself), at most every PERSIST_GAP_MS; `final`, the end, at once —
   * after any write under way, so an older state never lands after it.
   */
  private persist(build: RunningBuild, final = false): void {
    if (final) build.persisting = build.saves.flush().then(() => this.writeState(build));
    else build.saves.request();
  }

  /**
   * Writes the build's state as it is now. A failed write loses only the restart copy: the in-memory state
   * stays right, so the error is not worth failing the build for.
   */
  private writeState(build: RunningBuild): Promise<void> {
    return writePersistedBuild(build.dir, structuredClone(this.snapshot(build))).catch(() => undefined);
  }

  private async load(buildId: string): Promise<PersistedBuild> {
    const name = buildDirName(buildId);
    const state = name ? await readPersistedBuild(join(this.workDir, name)) : undefined;
    if (!state) throw new BuildNotFoundError(buildId, `the local build runner (looked in ${this.workDir})`);
    if (state.status !== 'IN_PROGRESS') return state;
    // The process that ran it is gone (this runner restarted), so nothing will ever finish it.
    return {
      ...state,
      status: 'FAILED',
      failure: {
        phase: state.phase,
        message: `The build was interrupted: the local build runner that ran it (pid ${state.pid ?? '?'}) stopped before it finished. Start it again.`,
      },
    };
  }

  // CODEBUILD_BUILD_NUMBER counts the app's builds, including those an earlier process ran (their folders remain).
  private async nextBuildNumber(app: string): Promise<number> {
    this.existingBuilds ??= readdir(this.workDir).catch(() => [] as string[]);
    const existing = await this.existingBuilds;
    const last = this.buildNumbers.get(app) ?? existing.filter((name) => name.startsWith(`slipway-${app}_`)).length;
    this.buildNumbers.set(app, last + 1);
    return last + 1;
  }
}

function toBuildState(state: PersistedBuild): BuildState {
  const { buildId, status, phase, imageDigest, failure, logTail, logs } = state;
  return {
    buildId,
    status,
    phase,
    ...(imageDigest && { imageDigest }),
    ...(failure && { failure }),
    logTail: logTail ?? [],
    logs: { ...logs },
  };
}
