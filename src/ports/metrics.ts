import type { MetricRecord } from '../domain/run-metrics.ts';

export type { MetricRecord };

/** Where run metrics go: CloudWatch through the embedded metric format (EMF) log lines, in AWS and in the local stack's log. */
export interface Metrics {
  /** `publish([{ name: 'Runs', unit: 'Count', value: 1, dimensions: { app: 'hello', outcome: 'SUCCEEDED' } }])` */
  publish(records: readonly MetricRecord[]): void;
}
