import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runBuildspec } from '../unit/adapters/local/build-runner.fixtures.ts';
import { ROOT } from './support/package.ts';

/**
 * buildspec/buildspec.yml as CodeBuild runs it (the local runner's CodeBuild semantics), on a machine
 * with `docker buildx`, `aws` and `curl` stood in for by scripts that record what they are asked.
 * No Docker engine here has buildx, so this is how the CodeBuild path of the buildspec is checked.
 */
const BUILDSPEC = readFileSync(join(ROOT, 'buildspec/buildspec.yml'), 'utf8');
const REPOSITORY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello';
const CACHE = `${REPOSITORY}-cache`;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const BUCKET = 'slipway-prod-contexts';
const KEY = 'contexts/hello/01JDQ8ZV7N2W4Y6A8C0E2G4J6M.tar.gz';

// The AWS CLI CodeBuild images carry: `s3 cp` copies the context (or answers as S3 does for a missing key), `ecr get-login-password` prints a token.
const FAKE_AWS = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_STATE/aws.log"
case "$1 $2" in
  "s3 cp")
    [ -z "$FAKE_NO_CONTEXT" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \\"\${4#s3://*/}\\" does not exist" >&2; exit 1; }
    cp "$FAKE_STATE/context.tar.gz" "$5" ;;
  "ecr get-login-password") echo fake-ecr-token ;;
  *) echo "fake aws: unexpected $*" >&2; exit 2 ;;
esac
`;

const FAKE_DOCKER = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_STATE/docker.log"
case "$1 $2" in
  "buildx version") [ -z "$FAKE_NO_BUILDX" ] || exit 1; echo "github.com/docker/buildx v0.17.1"; exit 0 ;;
  "buildx create") touch "$FAKE_STATE/builder"; exit 0 ;;
  "buildx inspect")
    if [ "$3" = --bootstrap ]; then
      [ -z "$FAKE_BOOTSTRAP_FAILS" ] || { echo "ERROR: toomanyrequests: You have reached your unauthenticated pull rate limit" >&2; exit 1; }
      exit 0
    fi
    [ -e "$FAKE_STATE/builder" ] ;;
  "buildx build")
    while [ $# -gt 0 ]; do [ "$1" != --metadata-file ] || printf '{"containerimage.digest": "${DIGEST}"}' > "$2"; shift; done ;;
  "login --username") cat >/dev/null; echo "Login Succeeded" ;;
  "push "*)
    tag="\${2##*:}"
    if [ "$tag" = "$FAKE_PUSH_FAILS" ] || { [ "$tag" = "$FAKE_PUSH_FAILS_ONCE" ] && [ ! -e "$FAKE_STATE/failed-once" ]; }; then
      touch "$FAKE_STATE/failed-once"; echo "received unexpected HTTP status: 500 Internal Server Error" >&2; exit 1
    fi
    echo "$tag: digest: ${DIGEST} size: 1573" ;;
esac
`;

let state: string;
let bin: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    FAKE_STATE: state,
    SLIPWAY_CONTEXT_BUCKET: BUCKET,
    SLIPWAY_CONTEXT_KEY: KEY,
    SLIPWAY_IMAGE_REPOSITORY: REPOSITORY,
    SLIPWAY_IMAGE_TAGS: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M git-a1b2c3d',
    SLIPWAY_APP: 'hello',
    SLIPWAY_RUN_ID: '01JDQ8ZV7N2W4Y6A8C0E2G4J6M',
    SLIPWAY_REGISTRY_LOGIN: 'ecr',
    SLIPWAY_CACHE_REPOSITORY: CACHE,
    ...extra,
  };
}

function awsCalls(): string[] {
  return readFileSync(join(state, 'aws.log'), 'utf8').trimEnd().split('\n');
}

function dockerCalls(): string[] {
  return readFileSync(join(state, 'docker.log'), 'utf8').trimEnd().split('\n');
}

beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), 'slipway-buildspec-'));
  bin = join(state, 'bin');
  mkdirSync(join(state, 'context'));
  mkdirSync(bin);
  writeFileSync(join(state, 'context', 'Dockerfile'), 'FROM busybox:latest\n');
  execFileSync('tar', ['-czf', join(state, 'context.tar.gz'), '-C', join(state, 'context'), '.']);
  const scripts = {
    docker: FAKE_DOCKER,
    curl: '#!/usr/bin/env bash\necho "curl $*" >> "$FAKE_STATE/curl.log"\nexit 22\n',
    aws: FAKE_AWS,
  };
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
});

describe('buildspec.yml in CodeBuild', () => {
  it('fetches the context with the build role through the AWS CLI, from the bucket and key it is given', () => {
    const run = runBuildspec(BUILDSPEC, env());

    expect(run.code, run.output.join('\n')).toBe(0);
    expect(awsCalls()).toContainEqual(
      expect.stringMatching(
        new RegExp(`^s3 cp --only-show-errors s3://${BUCKET}/${KEY} \\S+/\\.slipway/context\\.tar\\.gz$`),
      ),
    );
    expect(existsSync(join(state, 'curl.log'))).toBe(false);
  });

  it('fails in PRE_BUILD with ContextDownloadFailed, naming the object, when it cannot fetch the context', () => {
    const run = runBuildspec(BUILDSPEC, env({ FAKE_NO_CONTEXT: '1' }));

    expect(run.code).not.toBe(0);
    expect(run.output).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^slipway: error: ContextDownloadFailed: could not fetch and unpack the build context s3://${BUCKET}/${KEY} of hello`,
        ),
      ),
    );
    expect(existsSync(join(state, 'docker.log'))).toBe(false);
  });

  it('unpacks the file SLIPWAY_CONTEXT_FILE names without calling S3 (a runner that fetched it itself)', () => {
    const run = runBuildspec(BUILDSPEC, env({ SLIPWAY_CONTEXT_FILE: join(state, 'context.tar.gz') }));

    expect(run.code, run.output.join('\n')).toBe(0);
    expect(awsCalls().filter((c) => c.startsWith('s3 '))).toEqual([]);
  });

  it("names every missing input, the context's bucket and key among them", () => {
    const run = runBuildspec(BUILDSPEC, { ...env(), SLIPWAY_CONTEXT_BUCKET: '', SLIPWAY_CONTEXT_KEY: '' });

    expect(run.output).toContain(
      'slipway: error: InvalidInput: these environment variables are not set: SLIPWAY_CONTEXT_BUCKET SLIPWAY_CONTEXT_KEY',
    );
  });

  it("logs in to the repository's registry with an ECR token", () => {
    runBuildspec(BUILDSPEC, env());

    expect(dockerCalls()).toContain(`login --username AWS --password-stdin ${REPOSITORY.split('/')[0]}`);
  });

  it("builds and pushes with buildx through a docker-container builder, caching in the app's cache repository", () => {
    const run = runBuildspec(BUILDSPEC, env());

    expect(run.code).toBe(0);
    expect(dockerCalls()).toContain('buildx create --name slipway --driver docker-container');
    const build = dockerCalls().find((c) => c.startsWith('buildx build'));
    expect(build).toMatch(
      /^buildx build --progress=plain --provenance=false --push --metadata-file \S+\/metadata\.json --file \S+\/Dockerfile /,
    );
    expect(build).toContain(
      `--builder slipway --cache-from type=registry,ref=${CACHE}:buildcache --cache-to type=registry,ref=${CACHE}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    );
    expect(build).toContain(`--tag ${REPOSITORY}:01JDQ8ZV7N2W4Y6A8C0E2G4J6M --tag ${REPOSITORY}:git-a1b2c3d`);
  });

  it('exports the digest buildx pushed as IMAGE_DIGEST', () => {
    const run = runBuildspec(BUILDSPEC, env());

    expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
  });

  it('runs BuildKit from the image SLIPWAY_BUILDKIT_IMAGE names', () => {
    runBuildspec(
      BUILDSPEC,
      env({
        SLIPWAY_BUILDKIT_IMAGE: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/moby/buildkit:buildx-stable-1',
      }),
    );

    expect(dockerCalls()).toContain(
      'buildx create --name slipway --driver docker-container --driver-opt image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/moby/buildkit:buildx-stable-1',
    );
  });

  it('builds without the cache, and says so, when the builder cannot start (a Docker Hub rate limit)', () => {
    const run = runBuildspec(BUILDSPEC, env({ FAKE_BOOTSTRAP_FAILS: '1' }));

    expect(run.code).toBe(0);
    expect(run.output).toContain(
      'slipway: warning: the BuildKit builder for the registry cache did not start (see above); building without the cache',
    );
    const build = dockerCalls().find((c) => c.startsWith('buildx build'));
    expect(build).not.toContain('--cache-');
    expect(build).not.toContain('--builder');
    expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
  });

  it("takes a runner's word that there is no buildx, without asking docker", () => {
    const run = runBuildspec(BUILDSPEC, env({ SLIPWAY_BUILDX: '0' }));

    expect(run.code, run.output.join('\n')).toBe(0);
    expect(dockerCalls().filter((c) => c.startsWith('buildx'))).toEqual([]);
    expect(dockerCalls()).toContainEqual(expect.stringMatching(/^build --progress=plain /));
  });

  it("takes a runner's word that there is buildx, without asking docker", () => {
    const run = runBuildspec(BUILDSPEC, env({ SLIPWAY_BUILDX: '1' }));

    expect(run.code, run.output.join('\n')).toBe(0);
    expect(dockerCalls()).not.toContain('buildx version');
    expect(dockerCalls()).toContainEqual(expect.stringMatching(/^buildx build /));
  });

  it('falls back to plain BuildKit and one push per tag without buildx', () => {
    const run = runBuildspec(BUILDSPEC, env({ FAKE_NO_BUILDX: '1' }));

    expect(run.code).toBe(0);
    expect(
      dockerCalls()
        .filter((c) => /^(build|push) /.test(c))
        .map((c) => c.split(' ').slice(0, 2).join(' ')),
    ).toEqual([
      'build --progress=plain',
      `push ${REPOSITORY}:01JDQ8ZV7N2W4Y6A8C0E2G4J6M`,
      `push ${REPOSITORY}:git-a1b2c3d`,
    ]);
    expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
  });

  it('pushes a tag once more when the registry refuses it for now', () => {
    const run = runBuildspec(BUILDSPEC, env({ FAKE_NO_BUILDX: '1', FAKE_PUSH_FAILS_ONCE: 'git-a1b2c3d' }));

    expect(run.code, run.output.join('\n')).toBe(0);
    expect(dockerCalls().filter((c) => c === `push ${REPOSITORY}:git-a1b2c3d`)).toHaveLength(2);
    expect(run.output).toContain(
      `slipway: warning: the push of ${REPOSITORY}:git-a1b2c3d failed; trying once more in 2 s`,
    );
    expect(run.exported).toEqual({ IMAGE_DIGEST: DIGEST });
  });

  it('fails with ImagePushFailed naming the tag when the second try fails too', () => {
    const run = runBuildspec(BUILDSPEC, env({ FAKE_NO_BUILDX: '1', FAKE_PUSH_FAILS: 'git-a1b2c3d' }));

    expect(run.code).not.toBe(0);
    expect(dockerCalls().filter((c) => c === `push ${REPOSITORY}:git-a1b2c3d`)).toHaveLength(2);
    expect(run.output).toContain(`slipway: error: ImagePushFailed: could not push ${REPOSITORY}:git-a1b2c3d`);
    expect(run.exported).toEqual({});
  });
});
