import { httpHandler } from '../src/edges/http.ts';
import { getRunLogsRoute } from '../src/edges/routes/get-run-logs.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /runs/{id}/logs?cursor= — the run's build output, in order. */
export const handler = httpHandler(getRunLogsRoute, () => ({
  workflow: aws.workflow(),
  buildLogs: aws.buildLogs(),
  logger: aws.logger(),
}));
