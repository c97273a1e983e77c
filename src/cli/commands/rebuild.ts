import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Command } from 'commander';
import { SlipwayError, type ErrorKind } from '../../domain/errors.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export class EventRefusedError extends SlipwayError {
  override name = 'EventRefusedError';
  override readonly kind: ErrorKind = 'failed';
}

interface PutEventsResult {
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

export interface RebuildOptions {
  app: string;
  from?: string;
  follow: boolean;
  /** Put the event on EventBridge (a deployed stack) rather than on the local stack's bus. */
  eventBridge: boolean;
  eventBusName?: string;
}

export function register(program: Command): void {
  program
    .command('rebuild')
    .description(
      "rebuild an app from its newest (or a given run's) context, without uploading: puts slipway / Build Requested on the bus",
    )
    .requiredOption('-a, --app <name>', 'the app in slipway.config.json')
    .option('--from <runId>', 'rebuild the context of this run')
    .option('-f, --follow', 'follow the run until it ends')
    .option('--json', 'one JSON event per line')
    .action(async (flags: { app: string; from?: string; follow?: boolean; json?: boolean }) => {
      // A deployed stack (SLIPWAY_API_URL) listens on EventBridge; the local stack on its own bus.
      const options: RebuildOptions = {
        app: flags.app,
        follow: Boolean(flags.follow),
        eventBridge: Boolean(process.env.SLIPWAY_API_URL),
        ...(flags.from && { from: flags.from }),
        ...(process.env.SLIPWAY_EVENT_BUS && { eventBusName: process.env.SLIPWAY_EVENT_BUS }),
      };
      process.exitCode = await run(options, { client: await apiClient(), out: createOutput(Boolean(flags.json)) });
    });
}

/**
 * `slipway rebuild --app <name> [--from <runId>]`: puts `slipway` / `Build Requested` on the bus —
 * EventBridge for a deployed stack, the local stack's bus otherwise — and prints the run it starts.
 * The run id follows from the event's id and time, exactly as start-run derives it.
 */
export async function run(
  options: RebuildOptions,
  deps: { client: ApiClient; out: Output; eventBridge?: EventBridgeClient },
): Promise<number> {
  const { eventRunId, eventTime } = await import('../../use-cases/event-run-id.ts'); // ulid: loaded when a rebuild runs
  const time = new Date();
  const entry = {
    Source: 'slipway',
    DetailType: 'Build Requested',
    Detail: JSON.stringify({ app: options.app, ...(options.from && { runFrom: options.from }) }),
    Time: time,
    ...(options.eventBusName && { EventBusName: options.eventBusName }),
  };
  const result: PutEventsResult = options.eventBridge
    ? await putOnEventBridge(entry, deps.eventBridge)
    : await deps.client.request<PutEventsResult>('POST', '/_local/events', {
        Entries: [{ ...entry, Time: time.toISOString() }],
      });
  const put = result.Entries?.[0];
  if (!put?.EventId)
    throw new EventRefusedError(
      `The Build Requested event was refused: ${put?.ErrorCode ?? 'no event id'} ${put?.ErrorMessage ?? ''}`.trim(),
    );
  // EventBridge keeps the Time we give it (to the second), so the run id can be derived here too.
  const runId = eventRunId(eventTime(time).getTime(), `slipway:${put.EventId}`);
  deps.out.event({
    type: 'rebuild',
    app: options.app,
    runId,
    eventId: put.EventId,
    ...(options.from && { from: options.from }),
  });
  deps.out.line(`rebuild requested for ${options.app}: run ${runId}`);
  if (!options.follow) {
    if (!deps.out.json) deps.out.line(`follow it with: slipway status ${runId} --follow`);
    return 0;
  }
  const { followAndReport } = await import('../report-run.ts');
  return followAndReport(deps.client, runId, deps.out);
}

/** The AWS SDK loads only for a deployed stack's rebuild. */
async function putOnEventBridge(
  entry: PutEventsRequestEntry,
  client: EventBridgeClient | undefined,
): Promise<PutEventsResult> {
  const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  return (client ?? new EventBridgeClient({})).send(new PutEventsCommand({ Entries: [entry] }));
}
