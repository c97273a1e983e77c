import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { runLogs } from '../../use-cases/run-logs.ts';

/** GET /runs/{id}/logs?cursor= — the run's build output, in order, resumable from the cursor. */
export async function getRunLogsRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'workflow' | 'buildLogs'>,
) {
  return {
    status: 200,
    body: await runLogs(event.pathParameters?.id ?? '', event.queryStringParameters?.cursor, deps),
  };
}
