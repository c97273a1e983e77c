import { CronExpressionParser } from 'cron-parser';
import type { Schedule } from '../domain/schedule.ts';
import type { Logger } from '../ports/logger.ts';

export interface ScheduledApp {
  app: string;
  expression: string;
  schedule: Schedule;
}

/**
 * The local stand-in for EventBridge schedule rules: at each fire time it calls `fire(app)`. `scale`
 * shortens the clock (scale 3600: an hour passes in a second) so tests can watch a nightly rebuild
 * happen; scale 1 is real time.
 */
export function startScheduler(options: {
  apps: ScheduledApp[];
  scale: number;
  fire: (app: string, time: Date) => void;
  logger: Logger;
  now?: () => Date;
}): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const now = options.now ?? (() => new Date());
  let stopped = false;
  const startedAt = now().getTime();
  // The stack's own clock: real time since start, sped up by `scale`.
  const clock = () => new Date(startedAt + (now().getTime() - startedAt) * options.scale);

  const plan = (entry: ScheduledApp) => {
    if (stopped) return;
    const at = nextFire(entry.schedule, clock());
    const delay = Math.max(0, (at.getTime() - clock().getTime()) / options.scale);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      options.logger.info('schedule fired', { app: entry.app, schedule: entry.expression, at: at.toISOString() });
      options.fire(entry.app, at);
      plan(entry);
    }, delay);
    timer.unref();
    timers.add(timer);
  };
  for (const entry of options.apps) plan(entry);
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/** `nextFire({ kind: 'rate', periodMs }, now)` → the next time the schedule fires after `now`. */
export function nextFire(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'rate') return new Date(after.getTime() + schedule.periodMs);
  return CronExpressionParser.parse(schedule.cron, { currentDate: after, tz: 'UTC' }).next().toDate();
}
