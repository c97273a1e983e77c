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
 * target asynchronously, as EventBridge does; a failing target is tried twice more, as Lambda retries
 * an asynchronous invocation (sooner: `retryDelaysMs`), then logged, never thrown at the publisher.
 */
export class InProcessEventBus implements EventBus {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly rules: BusRule[],
    private readonly options: { logger: Logger; region: string; account?: string; retryDelaysMs?: readonly number[] },
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [200, 1000];
  }

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
      const delivery = this.invoke(rule, event);
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  private async invoke(rule: BusRule, event: EventBridgeEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await rule.target(event);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        const fields = { rule: rule.name, eventId: event.id, attempt: attempt + 1, error: String(error) };
        if (delay === undefined) return this.options.logger.error('event target failed', fields);
        this.options.logger.warn('event target failed, trying again', fields);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Resolves when every delivery in flight has finished. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
