import { startRunTarget } from '../src/edges/routes/start-run.ts';
import type { BuildRequestedEvent } from '../src/use-cases/rebuild.ts';
import type { ObjectCreatedEvent } from '../src/use-cases/start-run.ts';
import * as aws from '../src/wiring/aws.ts';

/** EventBridge target: a context landing under contexts/, or slipway / Build Requested. See src/edges/routes.ts. */
export const handler = (event: ObjectCreatedEvent | BuildRequestedEvent) =>
  startRunTarget(event, {
    config: aws.config(),
    objects: aws.objects(),
    workflow: aws.workflow(),
    clock: aws.clock(),
    logger: aws.logger(),
  });
