import type { Dependencies } from '../../use-cases/dependencies.ts';
import { startRebuild, type BuildRequestedEvent } from '../../use-cases/rebuild.ts';
import { startRunFromObject, type ObjectCreatedEvent } from '../../use-cases/start-run.ts';

/**
 * EventBridge target for every way a run starts: a context landing under contexts/ (an upload or a
 * webhook) and `slipway` / `Build Requested` (rebuild requests and schedules).
 */
export async function startRunTarget(
  event: ObjectCreatedEvent | BuildRequestedEvent,
  deps: Pick<Dependencies, 'config' | 'objects' | 'workflow' | 'clock' | 'logger'>,
) {
  return event['detail-type'] === 'Build Requested' ? startRebuild(event, deps) : startRunFromObject(event, deps);
}
