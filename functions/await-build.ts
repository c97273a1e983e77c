import { awaitHandler } from '../src/edges/wait-handler.ts';
import { checkBuild } from '../src/use-cases/steps/check-build.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task AwaitBuild (callback): record the wait, look once. See src/use-cases/waits.ts. */
export const handler = awaitHandler('AwaitBuild', checkBuild, () => ({
  config: aws.config(),
  builds: aws.builds(),
  objects: aws.objects(),
  workflow: aws.workflow(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
