import { httpHandler } from '../src/edges/http.ts';
import { listAppsRoute } from '../src/edges/routes/list-apps.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /apps — every app with its URL, what serves it, and its recent runs. */
export const handler = httpHandler(listAppsRoute, () => ({
  config: aws.config(),
  containers: aws.containers(),
  workflow: aws.workflow(),
  clock: aws.clock(),
  logger: aws.logger(),
}));
