import { stepHandler } from '../src/edges/step-handler.ts';
import { applyLifecycle } from '../src/use-cases/steps/apply-lifecycle.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/apply-lifecycle.ts. */
export const handler = stepHandler('ApplyLifecycle', applyLifecycle, () => ({
  config: aws.config(),
  registry: aws.registry(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
