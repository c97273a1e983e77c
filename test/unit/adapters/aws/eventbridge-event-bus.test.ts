import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventPublishError } from '../../../../src/adapters/aws/errors.ts';
import { EventBridgeEventBus } from '../../../../src/adapters/aws/eventbridge-event-bus.ts';
import { TransientError } from '../../../../src/domain/errors.ts';
import type { BusEvent } from '../../../../src/ports/event-bus.ts';

const eventbridge = mockClient(EventBridgeClient);

function stepChanged(index: number): BusEvent {
  return {
    source: 'slipway',
    detailType: 'Run Step Changed',
    detail: { runId: '01JD3Z8Q4X7K2M5N8P1R3T6V9W', step: `step-${index}`, status: 'RUNNING' },
  };
}

describe('EventBridgeEventBus', () => {
  beforeEach(() => {
    eventbridge.reset();
  });

  it('puts each event on the bus with its detail as JSON', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '11710aed-b79e-4468-a20b-bb3c0c3b4860' }] });
    const bus = new EventBridgeEventBus({ eventBusName: 'slipway', client: new EventBridgeClient({}) });

    await bus.publish([
      {
        ...stepChanged(1),
        resources: ['arn:aws:states:eu-west-1:123456789012:execution:slipway:01JD'],
        time: '2024-11-20T10:00:00.000Z',
      },
    ]);

    expect(eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'slipway',
          Source: 'slipway',
          DetailType: 'Run Step Changed',
          Detail: '{"runId":"01JD3Z8Q4X7K2M5N8P1R3T6V9W","step":"step-1","status":"RUNNING"}',
          Resources: ['arn:aws:states:eu-west-1:123456789012:execution:slipway:01JD'],
          Time: new Date('2024-11-20T10:00:00.000Z'),
        },
      ],
    });
  });

  it('sends at most 10 entries a call, to the default bus unless told otherwise', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    await new EventBridgeEventBus().publish(Array.from({ length: 23 }, (_, i) => stepChanged(i)));

    const batches = eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((e) => JSON.parse(e.Detail ?? '{}').step)).toEqual(
      Array.from({ length: 23 }, (_, i) => `step-${i}`),
    );
    expect(new Set(batches.flat().map((e) => e.EventBusName))).toEqual(new Set(['default']));
  });

  it('sends nothing for no events', async () => {
    await new EventBridgeEventBus().publish([]);

    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('throws TransientError when the only failures are throttling or internal', async () => {
    eventbridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
        { EventId: 'ok' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' },
      ],
    });

    const error = await new EventBridgeEventBus()
      .publish([stepChanged(1), stepChanged(2), stepChanged(3)])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ name: 'TransientError', cause: { name: 'EventPublishError' } });
    expect((error as Error).message).toContain(
      '"Run Step Changed" (ThrottlingException), "Run Step Changed" (InternalFailure)',
    );
  });

  it('throws EventPublishError listing the failed entries of every batch otherwise', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
          ...Array.from({ length: 9 }, () => ({ EventId: 'ok' })),
        ],
      })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      });
    const events = Array.from({ length: 11 }, (_, i) => stepChanged(i));

    const error = await new EventBridgeEventBus({ eventBusName: 'slipway' }).publish(events).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({
      name: 'EventPublishError',
      eventBusName: 'slipway',
      failures: [
        { detailType: 'Run Step Changed', errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
        { detailType: 'Run Step Changed', errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' },
      ],
    });
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });
});
