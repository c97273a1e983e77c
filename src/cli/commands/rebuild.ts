import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {  SlipwayError , type ErrorKind } from '../../domain/errors.ts';
import { eventRunId, eventTime } from '../../use-cases/event-run-id.ts';
import type { ApiClient } from '../api-client.ts';
import type { Output } from '../output.ts';
import { followAndReport } from '../report-run.ts';

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

/**
 * `slipway rebuild --app <name> [--from <runId>]`: puts `slipway` / `Build Requested` on the bus —
 * EventBridge for a deployed stack, the local stack's bus otherwise — and prints the run it starts.
 * The run id follows from the event's id and time, exactly as start-run derives it.
 */
export async function run(options: RebuildOptions, deps: { client: ApiClient; out: Output; eventBridge?: EventBridgeClient }): Promise<number> {
  const time = new Date();
  const entry = {
    Source: 'slipway',
    DetailType: 'Build Requested',
    Detail: JSON.stringify({ app: options.app, ...(options.from && { runFrom: options.from }) }),
    Time: time,
    ...(options.eventBusName && { EventBusName: options.eventBusName }),
  };
  const result: PutEventsResult = options.eventBridge
    ? await (deps.eventBridge ?? new EventBridgeClient({})).send(new PutEventsCommand({ Entries: [entry] }))
    : await deps.client.request<PutEventsResult>('POST', '/_local/events', { Entries: [{ ...entry, Time: time.toISOString() }] });
  const put = result.Entries?.[0];
  if (!put?.EventId) throw new EventRefusedError(`The Build Requested event was refused: ${put?.ErrorCode ?? 'no event id'} ${put?.ErrorMessage ?? ''}`.trim());
  // EventBridge keeps the Time we give it (to the second), so the run id can be derived here too.
  const runId = eventRunId(eventTime(time).getTime(), `slipway:${put.EventId}`);
  deps.out.event({ type: 'rebuild', app: options.app, runId, eventId: put.EventId, ...(options.from && { from: options.from }) });
  deps.out.line(`rebuild requested for ${options.app}: run ${runId}`);
  if (!options.follow) {
    if (!deps.out.json) deps.out.line(`follow it with: slipway status ${runId} --follow`);
    return 0;
  }
  return followAndReport(deps.client, runId, deps.out);
}
