import { awaitHandler } from '../src/edges/wait-handler.ts';
import { checkRollout } from '../src/use-cases/steps/check-rollout.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task AwaitRollout (callback): record the wait, look once. See src/use-cases/waits.ts. */
/** What the wait's look needs: the same for its first look here and for the event's (wake-rollouts.ts). */
export const dependencies = () => ({
  config: aws.config(),
  containers: aws.containers(),
  registry: aws.registry(),
  objects: aws.objects(),
  workflow: aws.workflow(),
  clock: aws.clock(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
});

export const handler = awaitHandler('AwaitRollout', checkRollout, dependencies);
