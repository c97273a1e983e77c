import type { ServiceState } from './state-store.ts';

/** The app's URL: its proxy's port on loopback, once it has one. */
export function urlOf(service: ServiceState | undefined): string | undefined {
  return service?.proxyPort === undefined ? undefined : `http://127.0.0.1:${service.proxyPort}`;
}
