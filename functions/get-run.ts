import { httpHandler } from '../src/edges/http.ts';
import { getRunRoute } from '../src/edges/routes/get-run.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /runs/{id} — one run, from the execution history (and, during its rollout, the service's counts). */
export const handler = httpHandler(getRunRoute, () => ({
  workflow: aws.workflow(),
  config: aws.config(),
  containers: aws.containers(),
  logger: aws.logger(),
}));
