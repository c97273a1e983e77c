import { stepHandler } from '../src/edges/step-handler.ts';
import { checkRollout } from '../src/use-cases/steps/check-rollout.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/check-rollout.ts. */
export const handler = stepHandler('CheckRollout', checkRollout, () => ({
  config: aws.config(),
  containers: aws.containers(),
  registry: aws.registry(),
  objects: aws.objects(),
  clock: aws.clock(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
}));
