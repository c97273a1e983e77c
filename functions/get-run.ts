import { httpHandler } from '../src/api/http.ts';
import { getRun } from '../src/api/runs.ts';

/** GET /runs/{id} — one run: its steps, image, deployment and error, from the execution history. */
export const handler = httpHandler(async (event, deps) => ({ status: 200, body: await getRun(event.pathParameters?.id ?? '', deps) }));
