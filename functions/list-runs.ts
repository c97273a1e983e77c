import { httpHandler } from '../src/edges/http.ts';
import { listRunsRoute } from '../src/edges/routes/list-runs.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /runs?app=&limit= — runs, newest first. */
export const handler = httpHandler(listRunsRoute, () => ({ workflow: aws.workflow(), logger: aws.logger() }));
