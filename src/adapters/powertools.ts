import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../ports/logger.ts';
import type { MetricRecord, Metrics } from '../ports/metrics.ts';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

/** `logLevel('debug')` → `DEBUG`; anything else it does not know → `INFO`. */
export function logLevel(value: string | undefined): Level {
  const upper = value?.toUpperCase();
  return LEVELS.find((level) => level === upper) ?? 'INFO';
}

/**
 * The Logger port over Powertools for AWS Lambda's Logger: one JSON object per line with the
 * service, level, timestamp and (in Lambda) the cold-start flag and request id, the fields beside
 * the constant message. The local stack's log uses it too, so both read alike.
 */
export function powertoolsLogger(options: { service: string; level?: string }): Logger {
  const logger = new PowertoolsLogger({ serviceName: options.service, logLevel: logLevel(options.level) });
  return {
    debug: (message, fields) => logger.debug(message, { ...fields }),
    info: (message, fields) => logger.info(message, { ...fields }),
    warn: (message, fields) => logger.warn(message, { ...fields }),
    error: (message, fields) => logger.error(message, { ...fields }),
  };
}

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds } as const;

/**
 * The Metrics port over Powertools' Metrics: each publish writes one EMF line per dimension set,
 * which CloudWatch turns into metrics in `namespace` (no PutMetricData call, no extra latency).
 */
export class PowertoolsRunMetrics implements Metrics {
  private readonly namespace: string;
  private readonly service: string;

  constructor(options: { namespace: string; service: string }) {
    this.namespace = options.namespace;
    this.service = options.service;
  }

  publish(records: readonly MetricRecord[]): void {
    for (const record of records) {
      // One Metrics object per record: EMF puts one dimension set on every metric of a line.
      const metrics = new PowertoolsMetrics({ namespace: this.namespace, serviceName: this.service });
      metrics.addDimensions(record.dimensions);
      metrics.addMetric(record.name, UNITS[record.unit], record.value);
      metrics.publishStoredMetrics();
    }
  }
}
