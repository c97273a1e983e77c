import { stepHandler } from '../src/edges/step-handler.ts';
import { checkBuild } from '../src/use-cases/steps/check-build.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/check-build.ts. */
export const handler = stepHandler('CheckBuild', checkBuild, () => ({
  config: aws.config(),
  builds: aws.builds(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
