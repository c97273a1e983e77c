import type { Dependencies } from '../../use-cases/dependencies.ts';
import { listApps } from '../../use-cases/apps.ts';

/** GET /apps — every app in slipway.config.json: its URL, what serves it, and its recent runs. */
export async function listAppsRoute(
  _event: unknown,
  deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock'>,
) {
  return { status: 200, body: { apps: await listApps(deps) } };
}
