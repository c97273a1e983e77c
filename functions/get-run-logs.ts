import { httpHandler } from '../src/api/http.ts';
import { runLogs } from '../src/api/run-logs.ts';

/** GET /runs/{id}/logs?cursor= — the run's build output, in order, resumable from the cursor. */
export const handler = httpHandler(async (event, deps) => ({
  status: 200,
  body: await runLogs(event.pathParameters?.id ?? '', event.queryStringParameters?.cursor, deps),
}));
