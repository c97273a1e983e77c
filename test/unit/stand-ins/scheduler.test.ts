import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSchedule } from '../../../src/domain/schedule.ts';
import { nextFire, startScheduler } from '../../../src/stand-ins/scheduler.ts';
import { silentLogger } from '../../support/fakes.ts';

describe('scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-30T02:59:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it.each([
    ['rate(1 hour)', '2026-11-30T03:59:00.000Z'],
    ['cron(0 3 * * ? *)', '2026-11-30T03:00:00.000Z'],
    ['cron(0 3 ? * 1 *)', '2026-12-06T03:00:00.000Z'],
  ])('%s next fires at %s', (expression, expected) => {
    expect(nextFire(parseSchedule(expression), new Date()).toISOString()).toBe(expected);
  });

  it('fires each app at its times, on a shortened clock', () => {
    const fired: string[] = [];
    const scheduler = startScheduler({
      apps: [{ app: 'hello', expression: 'rate(1 hour)', schedule: parseSchedule('rate(1 hour)') }],
      scale: 3600,
      fire: (app, at) => fired.push(`${app}@${at.toISOString()}`),
      logger: silentLogger,
    });
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(2_001);
    expect(fired).toEqual([
      'hello@2026-11-30T03:59:00.000Z',
      'hello@2026-11-30T04:59:00.000Z',
      'hello@2026-11-30T05:59:00.000Z',
    ]);
    scheduler.stop();
    vi.advanceTimersByTime(10_000);
    expect(fired).toHaveLength(3);
  });
});
