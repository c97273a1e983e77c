import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../src/domain/errors.ts';
import { parseSchedule } from '../../../src/domain/schedule.ts';

describe('schedule', () => {
  it.each([
    ['rate(1 minute)', { kind: 'rate', periodMs: 60_000 }],
    ['rate(5 minutes)', { kind: 'rate', periodMs: 300_000 }],
    ['rate(1 day)', { kind: 'rate', periodMs: 86_400_000 }],
    ['cron(0 3 * * ? *)', { kind: 'cron', cron: '0 3 * * *' }],
    ['cron(15 10 ? * 2-6 *)', { kind: 'cron', cron: '15 10 * * 1-5' }],
    ['cron(0 8 1 * ? 2027)', { kind: 'cron', cron: '0 8 1 * *' }],
    ['cron(0 18 ? * MON-FRI *)', { kind: 'cron', cron: '0 18 * * MON-FRI' }],
  ])('reads %s', (expression, expected) => {
    expect(parseSchedule(expression)).toEqual(expected);
  });

  it.each([
    ['rate(1 days)', 'rate(1 day)'],
    ['rate(2 day)', 'rate(N days)'],
    ['rate(0 minutes)', 'rate(1 minute)'],
    ['every day', 'not an EventBridge schedule expression'],
    ['cron(0 3 * * *)', 'not an EventBridge schedule expression'],
    ['cron(0 3 * * 1 *)', '"?"'],
  ])('refuses %s, saying %s', (expression, hint) => {
    expect(() => parseSchedule(expression)).toThrow(InvalidConfigError);
    expect(() => parseSchedule(expression)).toThrow(hint);
  });
});
