import { stepHandler } from '../src/edges/step-handler.ts';
import { startBuild } from '../src/use-cases/steps/start-build.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/start-build.ts. */
export const handler = stepHandler('StartBuild', startBuild, () => ({
  config: aws.config(),
  builds: aws.builds(),
  objects: aws.objects(),
  clock: aws.clock(),
  logger: aws.logger(),
  settings: aws.settings(),
  events: aws.events(),
  metrics: aws.metrics(),
}));
