import { describe, expect, it } from 'vitest';
import { appConfig, parseConfig } from '../../src/domain/config.ts';
import { rebuildSchedules } from '../../serverless/stack.ts';

const apps = (raw: Record<string, unknown>) => {
  const config = parseConfig({ apps: raw });
  return Object.keys(config.apps).map((name) => appConfig(config, name));
};

describe('rebuild schedules', () => {
  it('makes one rule per scheduled app, handing start-run a Build Requested with the schedule event id and time', () => {
    const resources = rebuildSchedules(apps({ 'web-api': { rebuild: { schedule: 'rate(1 day)' } }, quiet: {} }));
    expect(Object.keys(resources)).toEqual(['WebApiRebuildSchedule', 'WebApiRebuildSchedulePermission']);
    const rule = resources.WebApiRebuildSchedule!.Properties as {
      ScheduleExpression: string;
      Targets: { InputTransformer: { InputTemplate: string } }[];
    };
    expect(rule.ScheduleExpression).toBe('rate(1 day)');
    const template = rule.Targets[0]!.InputTransformer.InputTemplate.replace('<id>', '"e-1"').replace(
      '<time>',
      '"2026-11-30T03:00:00Z"',
    );
    expect(JSON.parse(template)).toEqual({
      id: 'e-1',
      time: '2026-11-30T03:00:00Z',
      source: 'slipway',
      'detail-type': 'Build Requested',
      detail: { app: 'web-api', schedule: true },
    });
    expect(resources.WebApiRebuildSchedulePermission!.Properties).toMatchObject({
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['WebApiRebuildSchedule', 'Arn'] },
    });
  });

  it('makes none for apps without a schedule', () => {
    expect(rebuildSchedules(apps({ quiet: {} }))).toEqual({});
  });
});
