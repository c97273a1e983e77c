import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, InProcessEventBus } from '../adapters/local/in-process-event-bus.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { eventTime } from '../use-cases/event-run-id.ts';

// The events the local stack puts on its in-process bus, in the envelopes EventBridge gives them.

/** The local S3's object-created notice as EventBridge delivers S3's "Object Created" events. */
export function objectCreatedEvent(
  object: { bucket: string; key: string; size: number; etag?: string; time?: string | Date },
  region: string,
): EventBridgeEvent {
  const time = object.time ? new Date(object.time).toISOString() : new Date().toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time,
    region,
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail: {
      version: '0',
      bucket: { name: object.bucket },
      object: { key: object.key, size: object.size, ...(object.etag && { etag: object.etag }) },
      reason: 'PutObject',
    },
  };
}

/** A `slipway` / `Build Requested` event as the schedule rule hands it to start-run. */
export function buildRequested(detail: Record<string, unknown>, time: Date, region: string): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Build Requested',
    source: 'slipway',
    account: '000000000000',
    time: eventTime(time).toISOString(),
    region,
    resources: [],
    detail,
  };
}

/** `POST /_local/events` with PutEvents' request shape → its response shape, each event delivered on the local bus. */
export function putEvents(
  bus: InProcessEventBus,
  body: Buffer,
  region: string,
): { Entries: { EventId: string }[]; FailedEntryCount: 0 } {
  let request: {
    Entries?: { Source?: string; DetailType?: string; Detail?: string; Time?: string; Resources?: string[] }[];
  };
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidInputError('PutEvents body is not JSON.');
  }
  const entries = (request.Entries ?? []).map((entry) => {
    if (!entry.Source || !entry.DetailType || !entry.Detail)
      throw new InvalidInputError(
        'Each entry needs Source, DetailType and Detail (a JSON string), as in EventBridge PutEvents.',
      );
    const id = randomUUID();
    bus.deliver({
      version: '0',
      id,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: eventTime(entry.Time ? new Date(entry.Time) : new Date()).toISOString(),
      region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail) as Record<string, unknown>,
    });
    return { EventId: id };
  });
  return { Entries: entries, FailedEntryCount: 0 };
}

/** A local build's start or end as EventBridge delivers CodeBuild's "CodeBuild Build State Change" (the build named by its ARN). */
export function buildStateChangeEvent(
  build: { buildId: string; status: string; phase: string },
  project: string,
  region: string,
): EventBridgeEvent {
  const arn = `arn:aws:codebuild:${region}:000000000000:build/${build.buildId}`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CodeBuild Build State Change',
    source: 'aws.codebuild',
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [arn],
    detail: {
      'build-status': build.status,
      'project-name': project,
      'build-id': arn,
      'current-phase': build.phase,
      'current-phase-context': '[]',
      version: '1',
    },
  };
}

const DEPLOYMENT_EVENTS = {
  IN_PROGRESS: { eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS', eventType: 'INFO' },
  COMPLETED: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', eventType: 'INFO' },
  FAILED: { eventName: 'SERVICE_DEPLOYMENT_FAILED', eventType: 'ERROR' },
} as const;

/** A local deployment's start or end as EventBridge delivers ECS's "ECS Deployment State Change" (the service named by its ARN). */
export function deploymentStateChangeEvent(
  change: { deploymentId: string; state: keyof typeof DEPLOYMENT_EVENTS; reason?: string },
  service: { cluster: string; name: string },
  region: string,
): EventBridgeEvent {
  const time = new Date().toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECS Deployment State Change',
    source: 'aws.ecs',
    account: '000000000000',
    time,
    region,
    resources: [`arn:aws:ecs:${region}:000000000000:service/${service.cluster}/${service.name}`],
    detail: {
      ...DEPLOYMENT_EVENTS[change.state],
      deploymentId: change.deploymentId,
      updatedAt: time,
      reason: change.reason ?? `ECS deployment ${change.deploymentId} ${change.state.toLowerCase().replace('_', ' ')}.`,
    },
  };
}
