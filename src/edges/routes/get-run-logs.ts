import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { runLogs } from '../../use-cases/run-logs.ts';
import { preferredWaitMs } from '../http.ts';

/**
 * GET /runs/{id}/logs?cursor= — the run's build output, in order, resumable from the cursor. With
 * `Prefer: wait=N`, an empty page waits up to N seconds for the next line (where the runner can tell,
 * saying so in Preference-Applied).
 */
export async function getRunLogsRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'workflow' | 'buildLogs'>,
) {
  const waitMs = preferredWaitMs(event);
  const waits = deps.buildLogs.appended !== undefined && deps.workflow.changed !== undefined;
  return {
    status: 200,
    body: await runLogs(event.pathParameters?.id ?? '', event.queryStringParameters?.cursor, deps, waitMs),
    ...(waits && waitMs > 0 && { headers: { 'preference-applied': `wait=${waitMs / 1000}` } }),
  };
}
