import { setTimeout as delay } from 'node:timers/promises';
import type { DockerCli } from './docker.ts';
import { probeHealth } from './health.ts';

export type WaitOutcome =
  | { kind: 'healthy'; hostPort: number }
  | { kind: 'exited'; exitCode: number; oomKilled: boolean }
  | { kind: 'gone' }
  | { kind: 'timeout'; lastCheck: string; url: string }
  | { kind: 'superseded'; revision: number }
  | { kind: 'aborted' };

export interface WaitRequest {
  docker: DockerCli;
  containerId: string;
  port: number;
  path: string;
  /** Epoch milliseconds after which an unhealthy container has failed. */
  deadline: number;
  now: () => Date;
  pollMs: number;
  signal: AbortSignal;
  /** The revision that serves now when it is newer than the one being rolled out. */
  supersededBy: () => Promise<number | undefined>;
}

const PROBE_TIMEOUT_MS = 2_000;
const FIRST_PAUSE_MS = 5;

/**
 * Polls a new container until its HTTP health check answers 2xx/3xx, it exits, a newer revision takes over,
 * or the deadline passes. Only waits and observes: starting, switching and removing are the caller's.
 */
export async function waitUntilHealthy(request: WaitRequest): Promise<WaitOutcome> {
  const { docker, containerId, signal } = request;
  let hostPort: number | undefined;
  let lastCheck = 'no check ran';
  // Most apps answer within milliseconds of starting: check again soon at first, then every pollMs.
  let pause = Math.min(FIRST_PAUSE_MS, request.pollMs);
  for (;;) {
    if (signal.aborted) return { kind: 'aborted' };
    const newer = await request.supersededBy();
    if (newer !== undefined) return { kind: 'superseded', revision: newer };
    const state = await docker.state(containerId);
    if (!state) return (await supersession(request)) ?? { kind: 'gone' };
    if (!state.running)
      return (await supersession(request)) ?? { kind: 'exited', exitCode: state.exitCode, oomKilled: state.oomKilled };
    // A container that stops between the two calls has no published port any more: the next round reports how it ended.
    hostPort ??= await docker.hostPort(containerId, request.port).catch(async (error: unknown) => {
      if ((await docker.state(containerId))?.running) throw error;
      return undefined;
    });
    if (hostPort === undefined) continue;
    const url = `http://127.0.0.1:${hostPort}${request.path}`;
    const remaining = request.deadline - request.now().getTime();
    const probe = await probeHealth(url, Math.max(100, Math.min(PROBE_TIMEOUT_MS, remaining)), signal);
    if (probe.healthy) return { kind: 'healthy', hostPort };
    lastCheck = probe.detail;
    if (request.now().getTime() >= request.deadline) return { kind: 'timeout', lastCheck, url };
    try {
      await delay(pause, undefined, { signal });
    } catch {
      return { kind: 'aborted' };
    }
    pause = Math.min(pause * 2, request.pollMs);
  }
}

// A container that vanished or stopped because a newer revision took over was superseded, not broken.
async function supersession(request: WaitRequest): Promise<WaitOutcome | undefined> {
  const newer = await request.supersededBy();
  return newer === undefined ? undefined : { kind: 'superseded', revision: newer };
}
