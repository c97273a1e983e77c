import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../domain/errors.ts';
import type { BusEvent, EventBus } from '../../ports/event-bus.ts';
import { EventPublishError } from './errors.ts';
import { callAws } from './transient.ts';

export interface EventBridgeEventBusOptions {
  /** Name or ARN of the bus; the account's `default` bus when not given. */
  eventBusName?: string;
  client?: EventBridgeClient;
}

/** PutEvents takes at most 10 entries a call. */
const BATCH_SIZE = 10;
/** Entry errors EventBridge documents as retryable. */
const RETRYABLE_CODES = new Set(['InternalFailure', 'ThrottlingException']);

/** The EventBus port over EventBridge PutEvents. */
export class EventBridgeEventBus implements EventBus {
  private readonly eventBusName: string;
  private readonly client: EventBridgeClient;

  constructor(options: EventBridgeEventBusOptions = {}) {
    this.eventBusName = options.eventBusName ?? 'default';
    this.client = options.client ?? new EventBridgeClient({});
  }

  async publish(events: BusEvent[]): Promise<void> {
    const failures: { detailType: string; errorCode: string; errorMessage: string }[] = [];
    // Every batch is sent even when one fails, so one bad entry does not hold back the others.
    for (let start = 0; start < events.length; start += BATCH_SIZE) {
      const batch = events.slice(start, start + BATCH_SIZE);
      const output = await callAws(`EventBridge PutEvents on bus "${this.eventBusName}"`, () =>
        this.client.send(new PutEventsCommand({ Entries: batch.map((event) => this.entry(event)) })),
      );
      if (!output.FailedEntryCount) continue;
      // Result entries are in the order of the request's.
      (output.Entries ?? []).forEach((result, index) => {
        if (!result.ErrorCode) return;
        failures.push({
          detailType: batch[index]?.detailType ?? 'unknown',
          errorCode: result.ErrorCode,
          errorMessage: result.ErrorMessage ?? '',
        });
      });
    }
    if (failures.length === 0) return;
    const error = new EventPublishError(this.eventBusName, failures);
    if (failures.every((f) => RETRYABLE_CODES.has(f.errorCode))) {
      const listed = failures.map((f) => `"${f.detailType}" (${f.errorCode})`).join(', ');
      throw new TransientError(
        `EventBridge could not take ${failures.length} event(s) on bus "${this.eventBusName}" for now: ${listed}. It is safe to retry.`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }

  private entry(event: BusEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      ...(event.resources && { Resources: event.resources }),
      ...(event.time && { Time: new Date(event.time) }),
    };
  }
}
