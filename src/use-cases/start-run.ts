import { parseContextKey } from '../domain/run-id.ts';
import type { RunInput, Trigger } from '../domain/run-state.ts';
import type { Dependencies } from './dependencies.ts';

/** The EventBridge event shapes start-run accepts (the rules in serverless.yml route only these). */
export interface ObjectCreatedEvent {
  source: 'aws.s3';
  'detail-type': 'Object Created';
  detail: { bucket: { name: string }; object: { key: string; size?: number } };
}

export type StartRunResult = { runId: string; started: boolean } | { ignored: string };

/**
 * An uploaded context starts its run. The run id comes from the object key, and the execution is
 * named after it: S3 or EventBridge delivering the same event twice starts one run.
 */
export async function startRunFromObject(
  event: ObjectCreatedEvent,
  deps: Pick<Dependencies, 'objects' | 'workflow' | 'logger'>,
): Promise<StartRunResult> {
  const key = decodeURIComponent(event.detail.object.key.replace(/\+/g, ' '));
  const parsed = parseContextKey(key);
  if (!parsed) {
    deps.logger.warn('object ignored: not a context key', { key });
    return { ignored: `"${key}" is not a context key (contexts/<app>/<runId>.tar.gz)` };
  }
  const object = await deps.objects.head(key);
  const input: RunInput = {
    runId: parsed.runId,
    app: parsed.app,
    trigger: triggerOf(object?.metadata ?? {}),
    context: { key, bucket: event.detail.bucket.name },
    // Signed into the upload's policy by POST /uploads: `slipway deploy --rebuild`.
    ...(object?.metadata.rebuild === 'true' && { rebuild: true }),
  };
  const { started } = await deps.workflow.start(input);
  deps.logger.info(started ? 'run started' : 'duplicate event: run already exists', {
    runId: parsed.runId,
    app: parsed.app,
  });
  return { runId: parsed.runId, started };
}

/** What started the object's run, from the metadata its writer stored: an upload (the uploader) or a webhook (commit, ref, pusher). */
function triggerOf(metadata: Record<string, string>): Trigger {
  if (metadata.trigger === 'webhook') {
    return {
      kind: 'webhook',
      ...(metadata.source && { source: metadata.source }),
      ...(metadata.commit && { commit: metadata.commit }),
      ...(metadata.ref && { ref: metadata.ref }),
    };
  }
  return { kind: 'upload', ...(metadata.uploader && { source: metadata.uploader }) };
}
