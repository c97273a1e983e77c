/**
 * Where a warm `slipway deploy` spends its time, for `npm run bench`: marks the bench saw itself (the
 * CLI's lines as they arrived, its exit, the first HTTP 200) merged with the ones the local stack
 * recorded (the run's execution history, the build's state.json, the deployment record), all epoch
 * milliseconds on this one machine's clock. Consecutive marks make the phases.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the bench itself saw of one deploy. */
export interface CliMarks {
  spawned: number;
  packed: number;
  uploaded: number;
  exited: number;
  served: number;
  runId: string;
}

export type Phases = [name: string, ms: number][];

interface HistoryEvent {
  type: string;
  timestamp: string;
  state?: string;
}
interface BuildPhase {
  phaseType: string;
  startTime: string;
  endTime?: string;
}

/** `deployPhases(stateDir, marks)` → `[['CLI start + pack', 210], …]`, in the order they happen. */
export async function deployPhases(stateDir: string, cli: CliMarks): Promise<Phases> {
  const history = await readJson<{ events: HistoryEvent[] }>(join(stateDir, 'executions', `${cli.runId}.json`));
  const at = (type: string, state?: string, last = false) => {
    const matching = history.events.filter((e) => e.type === type && (state === undefined || e.state === state));
    const event = last ? matching.at(-1) : matching[0];
    return event ? Date.parse(event.timestamp) : NaN;
  };
  const build = await buildOf(stateDir, cli.runId);
  const phase = (type: string, end = false) => {
    const record = build?.phases.find((p) => p.phaseType === type);
    return Date.parse((end ? record?.endTime : record?.startTime) ?? '');
  };
  const deployment = await readJson<{ started?: { startedAt: string }[]; finishedAt?: string }>(
    join(stateDir, 'services', 'deployments', 'hello', `dep-${cli.runId}.json`),
  ).catch(() => undefined);
  const marks: [string, number][] = [
    ['CLI start + pack', cli.packed],
    ['POST /uploads + upload', cli.uploaded],
    ['upload → run started (S3 event, start-run)', at('ExecutionStarted')],
    ['Prepare', at('StateExited', 'Prepare')],
    ['StartBuild (fetch context, spawn bash)', at('StateExited', 'StartBuild')],
    ['build: pre_build (untar, checks)', phase('BUILD')],
    ['build: docker build + push', phase('BUILD', true)],
    ['build: post_build + finalizing', Date.parse(build?.endTime ?? '')],
    ['build end → run moves on (ApplyLifecycle entered)', at('StateEntered', 'ApplyLifecycle')],
    ['ApplyLifecycle', at('StateExited', 'ApplyLifecycle')],
    ['Deploy', at('StateExited', 'Deploy', true)],
    ['rollout: docker run', Date.parse(deployment?.started?.[0]?.startedAt ?? '')],
    ['rollout: health check → proxy switched', Date.parse(deployment?.finishedAt ?? '')],
    ['rollout end → run ends (execution succeeded)', at('ExecutionSucceeded')],
    ['run end → CLI exit', cli.exited],
    ['CLI exit → HTTP 200', cli.served],
  ];
  let previous = cli.spawned;
  return marks.map(([name, time]) => {
    const ms = time - previous;
    if (!Number.isNaN(time)) previous = time;
    return [name, ms];
  });
}

/** The baseline's own phases, for the same comparison. */
export function baselinePhases(marks: {
  started: number;
  tarred: number;
  built: number;
  pushed: number;
  ran: number;
  served: number;
}): Phases {
  return [
    ['tar + untar', marks.tarred - marks.started],
    ['docker build', marks.built - marks.tarred],
    ['docker push', marks.pushed - marks.built],
    ['docker run + port', marks.ran - marks.pushed],
    ['wait for HTTP 200', marks.served - marks.ran],
  ];
}

/** Each phase's median over the iterations (the medians need not add up to the median total). */
export function printPhases(title: string, runs: Phases[]): void {
  if (runs.length === 0) return;
  console.log(title);
  for (const [index, [name]] of runs[0]!.entries()) {
    const values = runs.map((r) => r[index]![1]).filter((v) => !Number.isNaN(v));
    const shown = values.length ? `${median(values).toFixed(0)} ms` : 'n/a';
    console.log(`  ${name.padEnd(52)} ${shown.padStart(9)}`);
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function buildOf(
  stateDir: string,
  runId: string,
): Promise<{ endTime?: string; phases: BuildPhase[] } | undefined> {
  const dir = join(stateDir, 'builds');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const state = await readJson<{ runId: string; endTime?: string; phases: BuildPhase[] }>(
      join(dir, name, 'state.json'),
    ).catch(() => undefined);
    if (state?.runId === runId) return state;
  }
  return undefined;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}
