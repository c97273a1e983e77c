import { dependencies } from '../src/composition-root.ts';
import { startRunFromObject, type ObjectCreatedEvent } from '../src/api/start-run.ts';
import { startRebuild, type BuildRequestedEvent } from '../src/triggers/rebuild.ts';

/**
 * EventBridge target for every way a run starts: a context landing under contexts/ (an upload or a
 * webhook) and `slipway` / `Build Requested` (rebuild requests and schedules).
 */
export async function handler(event: ObjectCreatedEvent | BuildRequestedEvent) {
  const deps = await dependencies();
  return event['detail-type'] === 'Build Requested' ? startRebuild(event, deps) : startRunFromObject(event, deps);
}
