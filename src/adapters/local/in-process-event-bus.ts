import { randomUUID } from 'node:crypto';
import { matchesPattern, type EventPattern } from '../../domain/event-pattern.ts';
import type { BusEvent, EventBus } from '../../ports/event-bus.ts';
import type { Logger } from '../../ports/logger.ts';

export interface BusRule {
  name: string;
  pattern: EventPattern;
  target: (event: EventBridgeEvent) => Promise<unknown>;
}

/** An event as an EventBridge target receives it. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * EventBridge's stand-in: events are matched against each rule's pattern and delivered to its
 * target asynchronously, as EventBridge does; a failing target is logged, never thrown at the publisher.
 */
export class InProcessEventBus implements EventBus {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly rules: BusRule[],
    private readonly options: { logger: Logger; region: string; account?: string },
  ) {}

  async publish(events: BusEvent[]): Promise<void> {
    for (const event of events) {
      this.deliver({
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: event.source,
        account: this.options.account ?? '000000000000',
        time: event.time ?? new Date().toISOString(),
        region: this.options.region,
        resources: event.resources ?? [],
        detail: event.detail,
      });
    }
  }

  /** Put an event that already has EventBridge's envelope (the local S3's Object Created events). */
  deliver(event: EventBridgeEvent): void {
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      const delivery = rule.target(event).catch((error: unknown) => {
        this.options.logger.error('event target failed', { rule: rule.name, eventId: event.id, error: String(error) });
      });
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  /** Resolves when every delivery in flight has finished. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
