import { httpHandler } from '../src/edges/http.ts';
import { rollbackRoute } from '../src/edges/routes/rollback.ts';
import * as aws from '../src/wiring/aws.ts';

/** POST /apps/{app}/rollback — an earlier successful run's image again, as a new run. */
export const handler = httpHandler(rollbackRoute, () => ({
  config: aws.config(),
  containers: aws.containers(),
  workflow: aws.workflow(),
  clock: aws.clock(),
  logger: aws.logger(),
}));
