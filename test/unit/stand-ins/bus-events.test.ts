import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../src/domain/event-pattern.ts';
import { buildIdOfArn, serviceNameOfArn } from '../../../src/domain/waits.ts';
import { buildStateChangeEvent, deploymentStateChangeEvent } from '../../../src/stand-ins/bus-events.ts';
import { readServerlessRoutes } from '../../../src/stand-ins/serverless-routes.ts';

const ROOT = join(import.meta.dirname, '../../..');
const { events: rules } = readServerlessRoutes(join(ROOT, 'serverless.yml'), {
  ContextsBucket: 'slipway-contexts',
  BuildProject: 'slipway-local-build',
});

/** The functions serverless.yml's patterns route `event` to, as EventBridge (and the local bus) would. */
const targets = (event: unknown) => rules.filter((rule) => matchesPattern(rule.pattern, event)).map((r) => r.function);

describe('the local stand-ins’ events', () => {
  it.each(['SUCCEEDED', 'FAILED', 'STOPPED'])(
    "routes a local build's end (%s) to wakeBuilds, naming the build as CodeBuild does",
    (status) => {
      const event = buildStateChangeEvent(
        { buildId: 'slipway-hello:4f1c', status, phase: 'COMPLETED' },
        'slipway-local-build',
        'local',
      );

      expect(targets(event)).toEqual(['wakeBuilds']);
      expect(buildIdOfArn(event.detail['build-id'] as string)).toBe('slipway-hello:4f1c');
    },
  );

  it("routes a local build's start nowhere: only its end ends a wait", () => {
    const event = buildStateChangeEvent(
      { buildId: 'slipway-hello:4f1c', status: 'IN_PROGRESS', phase: 'SUBMITTED' },
      'slipway-local-build',
      'local',
    );

    expect(targets(event)).toEqual([]);
  });

  it.each(['IN_PROGRESS', 'COMPLETED', 'FAILED'] as const)(
    "routes a local deployment's change (%s) to wakeRollouts, naming the app's service",
    (state) => {
      const event = deploymentStateChangeEvent(
        { deploymentId: 'dep-01J', state },
        { cluster: 'local', name: 'hello' },
        'local',
      );

      expect(targets(event)).toEqual(['wakeRollouts']);
      expect(serviceNameOfArn(event.resources[0]!)).toBe('hello');
      expect(event.detail).toMatchObject({ eventName: `SERVICE_DEPLOYMENT_${state}`, deploymentId: 'dep-01J' });
    },
  );
});
