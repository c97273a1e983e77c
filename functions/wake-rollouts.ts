import { wakeHandler } from '../src/edges/wait-handler.ts';
import { checkRollout } from '../src/use-cases/steps/check-rollout.ts';
import * as aws from '../src/wiring/aws.ts';

/** EventBridge target: ECS's Deployment State Change ends the AwaitRollout of the runs it concerns. See src/use-cases/waits.ts. */
export const handler = wakeHandler('AwaitRollout', checkRollout, () => ({
  config: aws.config(),
  containers: aws.containers(),
  registry: aws.registry(),
  objects: aws.objects(),
  workflow: aws.workflow(),
  clock: aws.clock(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
}));
