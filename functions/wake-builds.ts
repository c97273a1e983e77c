import { wakeHandler } from '../src/edges/wait-handler.ts';
import { checkBuild } from '../src/use-cases/steps/check-build.ts';
import * as aws from '../src/wiring/aws.ts';

/** EventBridge target: CodeBuild's Build State Change (a build ended) ends the run's AwaitBuild. See src/use-cases/waits.ts. */
export const handler = wakeHandler('AwaitBuild', checkBuild, () => ({
  config: aws.config(),
  builds: aws.builds(),
  objects: aws.objects(),
  workflow: aws.workflow(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
