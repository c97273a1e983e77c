import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { BuildState } from '../../ports/build-runner.ts';
// The buildspec's `slipway: error: <Kind>: <message>` protocol is parsed in one place, next to the
// local runner that reads it from the same buildspec's output.
import { parseSlipwayErrorLine } from '../../domain/build-error-line.ts';

/** How many log events a failed build's tail reads (the newest ones). */
export const TAIL_EVENTS = 50;
/** How many lines `logTail` keeps, as the local runner does. */
export const TAIL_LINES = 20;

const PHASE_MARKER = /^\[Container\] \S+ \S+ Entering phase ([A-Z_]+)/;

/**
 * `readLogTail(client, { group, stream })` → the build's last lines, oldest first; undefined when
 * the log cannot be read. A failed build is reported with or without its log: reading it is a bonus,
 * so no error here may hide the build's own failure.
 */
export async function readLogTail(
  client: CloudWatchLogsClient,
  logs: { group?: string; stream?: string },
): Promise<string[] | undefined> {
  if (!logs.group || !logs.stream) return undefined;
  try {
    const output = await client.send(
      new GetLogEventsCommand({
        logGroupName: logs.group,
        logStreamName: logs.stream,
        startFromHead: false,
        limit: TAIL_EVENTS,
      }),
    );
    return (output.events ?? []).flatMap((event) => (event.message ?? '').replace(/\r?\n$/, '').split(/\r?\n/));
  } catch {
    return undefined;
  }
}

/**
 * `failureFromLog(lines, 'PRE_BUILD')` → `DockerfileNotFound: Dockerfile`: the `slipway: error:` line
 * the buildspec printed in the failed phase (CodeBuild's own phase message only says "exit status 1"),
 * else the last such line; undefined when there is none.
 */
export function failureFromLog(lines: readonly string[], failedPhase?: string): string | undefined {
  let phase: string | undefined;
  const errors: { phase?: string; text: string }[] = [];
  for (const line of lines) {
    const marker = PHASE_MARKER.exec(line);
    if (marker) phase = marker[1];
    const error = parseSlipwayErrorLine(line);
    if (error) errors.push({ ...(phase !== undefined && { phase }), text: `${error.kind}: ${error.message}` });
  }
  return (errors.find((e) => failedPhase !== undefined && e.phase === failedPhase) ?? errors.at(-1))?.text;
}

/** The build state with its log tail, and the buildspec's own words as the failure message when it printed any. */
export function withLogTail(state: BuildState, lines: string[] | undefined): BuildState {
  if (!lines?.length) return state;
  const message = failureFromLog(lines, state.failure?.phase);
  return {
    ...state,
    logTail: lines.slice(-TAIL_LINES),
    ...(message !== undefined && { failure: { phase: state.failure?.phase ?? state.phase, message } }),
  };
}
