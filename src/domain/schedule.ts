import { InvalidConfigError } from './errors.ts';

/**
 * EventBridge schedule expressions, for the local stack's scheduler: `rate(5 minutes)` becomes a
 * period; `cron(0 3 * * ? *)` (minute hour day-of-month month day-of-week year, UTC) becomes a
 * standard five-field cron line (day-of-week 1-7 from Sunday becomes 0-6, `?` becomes `*`, the year
 * is dropped: the local stack runs now, not in another year).
 */
export type Schedule = { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: string };

const UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** `parseSchedule('rate(1 day)')` → `{ kind: 'rate', periodMs: 86400000 }`; InvalidConfigError naming the expression otherwise. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) {
      throw new InvalidConfigError(
        `Schedule "${expression}": use "rate(1 ${unit.replace(/s$/, '')})" for one and "rate(N ${unit.replace(/s?$/, 's')})" for more, as EventBridge requires.`,
      );
    }
    return { kind: 'rate', periodMs: value * UNITS[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]!.trim().split(/\s+/);
  if (!fields || fields.length !== 6) {
    throw new InvalidConfigError(
      `Schedule "${expression}" is not an EventBridge schedule expression: use rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year).`,
    );
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (dom !== '?' && dow !== '?')
    throw new InvalidConfigError(
      `Schedule "${expression}": EventBridge needs "?" in either day-of-month or day-of-week.`,
    );
  const weekday = dow.replace(/\d+/g, (n) => String(Number(n) - 1));
  return { kind: 'cron', cron: [minute, hour, dom === '?' ? '*' : dom, month, dow === '?' ? '*' : weekday].join(' ') };
}
