/** EventBridge in AWS; an in-process bus routing by the same patterns on the local stack. */
export interface EventBus {
  /** `publish([{ source: 'slipway', detailType: 'Run Step Changed', detail: { runId, step, status } }])` */
  publish(events: BusEvent[]): Promise<void>;
}

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: string;
}
