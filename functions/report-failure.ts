import { stepHandler } from '../src/edges/step-handler.ts';
import { reportFailure } from '../src/use-cases/steps/report-failure.ts';
import * as aws from '../src/wiring/aws.ts';

/** State machine Task: see src/use-cases/steps/report-failure.ts. */
export const handler = stepHandler('ReportFailure', reportFailure, () => ({
  config: aws.config(),
  containers: aws.containers(),
  logger: aws.logger(),
  events: aws.events(),
  metrics: aws.metrics(),
  clock: aws.clock(),
}));
