import { httpHandler } from '../src/edges/http.ts';
import { getRunRoute } from '../src/edges/routes/get-run.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /runs/{id} — one run, from the execution history. */
export const handler = httpHandler(getRunRoute, () => ({ workflow: aws.workflow(), logger: aws.logger() }));
