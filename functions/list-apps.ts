import { listApps } from '../src/api/apps.ts';
import { httpHandler } from '../src/api/http.ts';

/** GET /apps — every app in slipway.config.json: its URL, what serves it, and its recent runs. */
export const handler = httpHandler(async (_event, deps) => ({
  status: 200,
  body: { apps: await listApps(deps) },
}));
