import { describe, expect, it } from 'vitest';
import { InProcessEventBus, type EventBridgeEvent } from '../../../../src/adapters/local/in-process-event-bus.ts';
import type { Logger } from '../../../../src/ports/logger.ts';

function logger() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (message: string): void =>
      void lines.push({ level, message });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

describe('InProcessEventBus', () => {
  it("delivers an event to the targets whose pattern matches it, in EventBridge's envelope", async () => {
    const got: EventBridgeEvent[] = [];
    const other: EventBridgeEvent[] = [];
    const bus = new InProcessEventBus(
      [
        { name: 'wake', pattern: { source: ['aws.codebuild'] }, target: async (e) => void got.push(e) },
        { name: 'other', pattern: { source: ['aws.ecs'] }, target: async (e) => void other.push(e) },
      ],
      { logger: logger().log, region: 'local' },
    );

    await bus.publish([{ source: 'aws.codebuild', detailType: 'CodeBuild Build State Change', detail: { a: 1 } }]);
    await bus.drain();

    expect(got).toEqual([
      expect.objectContaining({
        source: 'aws.codebuild',
        'detail-type': 'CodeBuild Build State Change',
        region: 'local',
      }),
    ]);
    expect(other).toEqual([]);
  });

  it('tries a failing target twice more, as Lambda retries an asynchronous invocation', async () => {
    let calls = 0;
    const { log, lines } = logger();
    const bus = new InProcessEventBus(
      [
        {
          name: 'wake',
          pattern: { source: ['aws.ecs'] },
          target: async () => {
            if (++calls < 3) throw new Error('throttled');
          },
        },
      ],
      { logger: log, region: 'local', retryDelaysMs: [0, 0] },
    );

    await bus.publish([{ source: 'aws.ecs', detailType: 'ECS Deployment State Change', detail: {} }]);
    await bus.drain();

    expect(calls).toBe(3);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('logs a target that keeps failing, and never throws at the publisher', async () => {
    let calls = 0;
    const { log, lines } = logger();
    const bus = new InProcessEventBus(
      [
        {
          name: 'wake',
          pattern: { source: ['aws.ecs'] },
          target: async () => {
            calls += 1;
            throw new Error('down');
          },
        },
      ],
      { logger: log, region: 'local', retryDelaysMs: [0, 0] },
    );

    await expect(
      bus.publish([{ source: 'aws.ecs', detailType: 'ECS Deployment State Change', detail: {} }]),
    ).resolves.toBeUndefined();
    await bus.drain();

    expect(calls).toBe(3);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['event target failed']);
  });
});
