/**
 * `npm run bench`: how much Slipway's pipeline costs over doing the same work by hand.
 * Alternates, N times each, on the same machine in the same run:
 *   baseline — tar the folder, docker build, docker push, docker run, wait for HTTP 200;
 *   slipway  — `slipway deploy <folder> --app hello` on a warm local stack (pack, upload, event,
 *              state machine, build runner, registry, lifecycle, health-checked rollout).
 * Each iteration edits index.html so both really rebuild. Prints the median of each and the ratio
 * of the medians; timings here are noisy, so only the ratio means anything. Then where each spent
 * its time, phase by phase (scripts/bench-phases.ts), median over the iterations; then an unchanged
 * redeploy against a full deploy (benchUnchangedRedeploy).
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { dockerBinary } from '../src/adapters/local/docker-binary.ts';
import { baselinePhases, deployPhases, median, printPhases, type CliMarks, type Phases } from './bench-phases.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const DOCKER = dockerBinary(process.env);
const N = Number(process.env.BENCH_ITERATIONS ?? 5);
/**
 * A pause before each measured baseline and deploy, the same for both: each starts on a quiet machine, not
 * while the kernel still tears down the network of the container the one before it removed.
 */
const QUIET_MS = Number(process.env.BENCH_QUIET_MS ?? 400);
const stateDir = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
const env = { ...process.env, SLIPWAY_STATE_DIR: stateDir };
/** `slipway` as a user types it: bin/slipway, which package.json links as the command (and npx runs). */
const SLIPWAY = join(ROOT, 'bin/slipway');
const slipway = (...args: string[]) => exec(SLIPWAY, args, { cwd: ROOT, env, maxBuffer: 1 << 24 });

async function waitFor200(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(25);
  }
  throw new Error(`${url} never answered 200`);
}

async function baseline(dir: string, registry: string, i: number): Promise<{ ms: number; phases: Phases }> {
  const work = await mkdtemp(join(tmpdir(), 'slipway-bench-raw-'));
  const image = `${registry}/bench-raw:${i}`;
  const started = Date.now();
  await exec('tar', ['-czf', join(work, 'context.tar.gz'), '-C', dir, '.']);
  await exec('mkdir', ['-p', join(work, 'ctx')]);
  await exec('tar', ['-xzf', join(work, 'context.tar.gz'), '-C', join(work, 'ctx')]);
  const tarred = Date.now();
  await exec(DOCKER, ['build', '-q', '-t', image, join(work, 'ctx')], {
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
  });
  const built = Date.now();
  await exec(DOCKER, ['push', '-q', image]);
  const pushed = Date.now();
  const { stdout: id } = await exec(DOCKER, ['run', '-d', '-p', '127.0.0.1::8080', image]);
  const { stdout: port } = await exec(DOCKER, ['port', id.trim(), '8080/tcp']);
  const ran = Date.now();
  await waitFor200(`http://${port.trim().split('\n')[0]}/`);
  const served = Date.now();
  await exec(DOCKER, ['rm', '-f', id.trim()]);
  await rm(work, { recursive: true, force: true });
  return { ms: served - started, phases: baselinePhases({ started, tarred, built, pushed, ran, served }) };
}

/**
 * Waits, outside any measurement, until the stack runs only the container it serves: a rollout retires the
 * replaced one after it has reported, and that clean-up must not run into the next iteration's baseline
 * (it would slow the baseline down and flatter the ratio).
 */
async function settled(stack: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { stdout } = await exec(DOCKER, ['ps', '-aq', '--filter', `label=slipway.stack=${stack}`]);
    if (stdout.trim().split('\n').filter(Boolean).length <= 1) return;
    if (Date.now() > deadline)
      throw new Error(`the stack still runs a replaced container 30 s after its deploy:\n${stdout}`);
    await sleep(20);
  }
}

/** `slipway deploy`, noting when each of its lines arrives: the phases' first marks. */
async function deploy(dir: string): Promise<{ ms: number; phases: Phases }> {
  const spawned = Date.now();
  const child = spawn(SLIPWAY, ['deploy', dir, '--app', 'hello'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: { at: number; line: string }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => seen.push({ at: Date.now(), line }));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const exited = Date.now();
  if (code !== 0) throw new Error(`slipway deploy exited ${code}:\n${seen.map((s) => s.line).join('\n')}`);
  const url = seen.at(-1)!.line.replace('url: ', '');
  await waitFor200(url);
  const served = Date.now();
  const lineAt = (prefix: string) => seen.find((s) => s.line.startsWith(prefix));
  const uploaded = lineAt('uploaded: run ');
  const marks: CliMarks = {
    spawned,
    packed: lineAt('packed ')?.at ?? NaN,
    uploaded: uploaded?.at ?? NaN,
    exited,
    served,
    runId: /run (\S+)/.exec(uploaded?.line ?? '')?.[1] ?? '',
  };
  return { ms: served - spawned, phases: await deployPhases(stateDir, marks) };
}

/**
 * Node's own start, which every `slipway` command pays and the baseline (which starts no Node) does not.
 * Where NODE_EXTRA_CA_CERTS is set, Node 20 reads that file and builds its root store with it before any
 * JavaScript runs (about 75 ms on a slow 2-core machine with the system's 140-certificate bundle); bin/slipway
 * starts a command for the local stack without it (docs/development.md). Both are printed, so a ratio measured
 * in such an environment is read for what it is. `node -e 0`, alternating, medians.
 */
async function printNodeStart(): Promise<void> {
  const timed = async (nodeEnv: NodeJS.ProcessEnv) => {
    const started = performance.now();
    await exec(process.execPath, ['-e', '0'], { env: nodeEnv });
    return performance.now() - started;
  };
  const { NODE_EXTRA_CA_CERTS: extra, ...cleared } = process.env;
  const asCli: number[] = [];
  const withExtra: number[] = [];
  for (let i = 0; i < 11; i += 1) {
    asCli.push(await timed(cleared));
    if (extra !== undefined) withExtra.push(await timed(process.env));
  }
  console.log(`Node's own start (an empty script, as bin/slipway starts it here): ${median(asCli).toFixed(0)} ms`);
  if (extra === undefined) return;
  console.log(
    `  ${median(withExtra).toFixed(0)} ms with NODE_EXTRA_CA_CERTS (${extra}), which is set here: Node 20 loads it before\n` +
      `  any JavaScript runs, and bin/slipway leaves it out of a command that opens no TLS connection (no SLIPWAY_API_URL).`,
  );
}

// ---- unchanged redeploy ÷ full deploy (content-addressed builds, docs/build-keys.md) ----
/**
 * Alternates, N times each on the warm stack: a full deploy (index.html edited, so build, lifecycle and
 * rollout) and a redeploy of the same files right after (the build key finds the image already serving:
 * no build, no rollout). Each is `slipway deploy` to its last line plus HTTP 200. Prints the ratio of the medians.
 */
async function benchUnchangedRedeploy(dir: string, page: string, original: string): Promise<void> {
  const timed = async () => {
    const started = performance.now();
    const { stdout } = await slipway('deploy', dir, '--app', 'hello');
    await waitFor200(stdout.trimEnd().split('\n').at(-1)!.replace('url: ', ''));
    return { ms: performance.now() - started, unchanged: /^unchanged: /m.test(stdout) };
  };
  const full: number[] = [];
  const unchanged: number[] = [];
  for (let i = 1; i <= N; i += 1) {
    await writeFile(page, `${original}<!-- keyed ${i} ${Date.now()} -->\n`);
    const built = await timed();
    const again = await timed();
    if (built.unchanged || !again.unchanged)
      throw new Error(`iteration ${i}: expected a full deploy, then an unchanged one; the build key did not decide so`);
    full.push(built.ms);
    unchanged.push(again.ms);
    console.log(`iteration ${i}: full deploy ${built.ms.toFixed(0)} ms, unchanged redeploy ${again.ms.toFixed(0)} ms`);
  }
  console.log(`full deploy (warm local stack) median:      ${median(full).toFixed(0)} ms`);
  console.log(`unchanged redeploy (warm local stack) median: ${median(unchanged).toFixed(0)} ms`);
  console.log(
    `unchanged redeploy ÷ full deploy (median): ${(median(unchanged) / median(full)).toFixed(2)} (at most 0.3)`,
  );
}
// ---- end of unchanged redeploy ÷ full deploy ----

const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-hello-'));
await cp(join(ROOT, 'examples/hello'), dir, { recursive: true });
const page = join(dir, 'content/index.html');
const original = await readFile(page, 'utf8');
try {
  await slipway('local', 'up');
  const { registry, stack } = JSON.parse((await slipway('local', 'status', '--json')).stdout) as {
    registry: string;
    stack: string;
  };
  const registryHost = registry.replace('http://', '');
  // Warm both paths once: the first build of a stack pays for base-layer export and proxy start.
  await writeFile(page, `${original}<!-- warm -->\n`);
  await deploy(dir);
  await baseline(dir, registryHost, 0);
  // ── baseline vs full deploy ──
  const raw: number[] = [];
  const ours: number[] = [];
  const rawPhases: Phases[] = [];
  const ourPhases: Phases[] = [];
  for (let i = 1; i <= N; i += 1) {
    await writeFile(page, `${original}<!-- raw ${i} ${Date.now()} -->\n`);
    await sleep(QUIET_MS);
    const b = await baseline(dir, registryHost, i);
    raw.push(b.ms);
    rawPhases.push(b.phases);
    await writeFile(page, `${original}<!-- slipway ${i} ${Date.now()} -->\n`);
    await sleep(QUIET_MS);
    const d = await deploy(dir);
    await settled(stack);
    ours.push(d.ms);
    ourPhases.push(d.phases);
    console.log(`iteration ${i}: baseline ${b.ms.toFixed(0)} ms, slipway deploy ${d.ms.toFixed(0)} ms`);
  }
  console.log(`baseline (tar, docker build, push, run, HTTP 200) median: ${median(raw).toFixed(0)} ms`);
  console.log(`slipway deploy (warm local stack) median:           ${median(ours).toFixed(0)} ms`);
  console.log(`ratio slipway/baseline (median): ${(median(ours) / median(raw)).toFixed(2)} (at most 1.3)`);
  // Each iteration's own ratio (its deploy against the baseline run just before it): less moved by a machine
  // whose speed drifts during the run than the ratio of the medians.
  const ratios = ours.map((ms, i) => ms / raw[i]!).sort((a, b) => a - b);
  console.log(
    `ratio per iteration: median ${median(ratios).toFixed(2)} (lowest ${ratios[0]!.toFixed(2)}, highest ${ratios.at(-1)!.toFixed(2)})`,
  );
  printPhases('baseline phases (median of each):', rawPhases);
  printPhases('slipway deploy phases (median of each):', ourPhases);
  await printNodeStart();
  // ── end of baseline vs full deploy ──
  await benchUnchangedRedeploy(dir, page, original);
} finally {
  await slipway('local', 'down').catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}

// The AWS side, simulated (issue 11.4; test/aws/support/run-costs.ts): one run with a 3-minute build and a
// 2-minute rollout on a simulated clock, over mocked SDK clients. Counts, and the wait from build to deploy.
{
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { simulateRunCosts } = await import('../test/aws/support/run-costs.ts');
  const costs = await simulateRunCosts({ buildSeconds: 180, rolloutSeconds: 120 });
  console.log(
    `AWS run (simulated: 3-min build, 2-min rollout): ${costs.transitions} state transitions, ` +
      `${costs.lambdaInvocations} Lambda invocations, ${costs.buildToDeployDelayMs} ms from the build's end to Deploy`,
  );
}
