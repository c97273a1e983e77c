import type { Logger } from '../ports/logger.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Level = LogLevel;
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * One JSON object per line, as CloudWatch Logs and Powertools expect: constant message, fields
 * beside it. Used by the Lambdas and by the local stack's log file alike.
 */
export function jsonLogger(options: { service: string; level?: Level; write?: (line: string) => void }): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ level: level.toUpperCase(), message, service: options.service, timestamp: new Date().toISOString(), ...fields }));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** `logLevel(env.SLIPWAY_LOG_LEVEL)` → that level when it is one, else `info`. */
export function logLevel(value: string | undefined): LogLevel {
  return value !== undefined && value in ORDER ? (value as LogLevel) : 'info';
}
