import { dashboardHandler } from '../src/edges/dashboard.ts';

/** GET / — the dashboard page: see src/edges/dashboard.ts. It needs no AWS dependencies. */
export const handler = dashboardHandler;
