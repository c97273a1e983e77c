import { dependencies } from '../src/composition-root.ts';
import { startRunFromObject, type ObjectCreatedEvent, type StartRunResult } from '../src/api/start-run.ts';

/** EventBridge target: an uploaded context ("Object Created" under contexts/) starts its run. */
export async function handler(event: ObjectCreatedEvent): Promise<StartRunResult> {
  return startRunFromObject(event, await dependencies());
}
