import { awaitHandler } from '../src/edges/wait-handler.ts';
import { checkBuild } from '../src/use-cases/steps/check-build.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task AwaitBuild (callback): record the wait, look once. See src/use-cases/waits.ts. */
/** What the wait's look needs: the same for its first look here and for the event's (wake-builds.ts). */
export const dependencies = () => ({
  config: aws.config(),
  builds: aws.builds(),
  objects: aws.objects(),
  workflow: aws.workflow(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
});

export const handler = awaitHandler('AwaitBuild', checkBuild, dependencies);
