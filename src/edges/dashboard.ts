import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DASHBOARD_HTML } from '../dashboard/page.ts';

/** GET / — the dashboard page; its data comes from the run API next to it. */
export async function dashboardHandler(): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
    body: DASHBOARD_HTML,
  };
}
