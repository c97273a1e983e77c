import { stepHandler } from '../src/edges/step-handler.ts';
import { deploy } from '../src/use-cases/steps/deploy.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/deploy.ts. */
export const handler = stepHandler('Deploy', deploy, () => ({
  config: aws.config(),
  containers: aws.containers(),
  objects: aws.objects(),
  clock: aws.clock(),
  logger: aws.logger(),
  settings: aws.settings(),
  events: aws.events(),
  metrics: aws.metrics(),
}));
