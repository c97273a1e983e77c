import { httpHandler } from '../src/edges/http.ts';
import { getRunRoute } from '../src/edges/routes.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /runs/{id} — one run, from the execution history. */
export const handler = httpHandler(getRunRoute, () => ({ workflow: aws.workflow(), logger: aws.logger() }));
