import { SlipwayError, type ErrorKind } from '../domain/errors.ts';

/** Runs buildspec/buildspec.yml: CodeBuild in AWS, bash and the local Docker engine on the local stack. */
export interface BuildRunner {
  /** `start({ runId, app: 'hello', context: { bucket: 'slipway-contexts', key: 'contexts/hello/01J….tar.gz' }, imageRepository: '127.0.0.1:5000/hello', imageTags: ['01J…'], dockerfile: 'Dockerfile', buildArgs: {} })` → `{ buildId }` */
  start(request: BuildRequest): Promise<{ buildId: string }>;
  /** `get('slipway-hello:4f1c…')` → where the build is now; `imageDigest` once it has pushed. */
  get(buildId: string): Promise<BuildState>;
}

export interface BuildRequest {
  runId: string;
  app: string;
  /**
   * Where the context tar.gz is. Each runner fetches it its own way, and never puts a URL or a
   * credential in the build's environment: CodeBuild with its own role (`aws s3 cp`), the local
   * runner through its object store before the buildspec runs.
   */
  context: ContextLocation;
  /** Subfolder of the unpacked context to build (monorepos); "." for the root. */
  contextPath: string;
  dockerfile: string;
  /** Repository URI without tag, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello` or `127.0.0.1:5000/hello`. */
  imageRepository: string;
  imageTags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  platform?: string;
}

/** `{ bucket: 'slipway-prod-contexts', key: 'contexts/hello/01J….tar.gz' }` */
export interface ContextLocation {
  bucket: string;
  key: string;
}

export type BuildStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'TIMED_OUT';

export interface BuildState {
  buildId: string;
  status: BuildStatus;
  /** CodeBuild phase name: SUBMITTED, INSTALL, PRE_BUILD, BUILD, POST_BUILD, COMPLETED… */
  phase: string;
  /** `sha256:…`, exported by the buildspec as IMAGE_DIGEST. */
  imageDigest?: string;
  /** For a failed build: the phase that failed and why, in the build's own words. */
  failure?: { phase: string; message: string };
  /** The last lines the build printed (for failure summaries). */
  logTail?: string[];
  /** Where the full log is (CloudWatch Logs group/stream, or a local file). */
  logs?: { group?: string; stream?: string; path?: string; url?: string };
}

/**
 * `get(buildId)` for a build the runner does not know: never started there, or forgotten (CodeBuild
 * keeps builds a year). Both runners throw it; `where` says where the runner looked.
 */
export class BuildNotFoundError extends SlipwayError {
  override name = 'BuildNotFoundError';
  override readonly kind: ErrorKind = 'not-found';
  constructor(
    readonly buildId: string,
    readonly where: string,
  ) {
    super(
      `No build "${buildId}" in ${where}. Use the buildId that start() returned, ` +
        `and check that the pipeline uses the same build project (and region) it started the build in.`,
    );
  }
}
