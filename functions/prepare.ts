import { stepHandler } from '../src/edges/step-handler.ts';
import { prepare } from '../src/use-cases/steps/prepare.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/prepare.ts. */
export const handler = stepHandler('Prepare', prepare, () => ({
  config: aws.config(),
  objects: aws.objects(),
  registry: aws.registry(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
