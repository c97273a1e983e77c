import { httpHandler, jsonBody } from '../src/api/http.ts';
import { rollback } from '../src/api/rollback.ts';

/** POST /apps/{app}/rollback — deploy an earlier successful run's image again, as a new run, without building. */
export const handler = httpHandler(async (event, deps) => ({ status: 202, body: await rollback(event.pathParameters?.app ?? '', jsonBody(event), deps) }));
