import { httpHandler } from '../src/api/http.ts';
import { listRuns } from '../src/api/runs.ts';

/** GET /runs?app=&limit= — runs, newest first. */
export const handler = httpHandler(async (event, deps) => ({
  status: 200,
  body: { runs: await listRuns({ ...event.queryStringParameters }, deps) },
}));
