import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { watchRun } from '../../use-cases/runs.ts';
import { preferredWaitMs, requestHeader } from '../http.ts';

/**
 * GET /runs/{id} — one run: its steps, image, deployment and error, from the execution history. Its ETag
 * is the history's version: with `If-None-Match: <etag>` and `Prefer: wait=N`, the answer waits up to N
 * seconds for the run to change, and with `Prefer: wait=N` alone, for a run not started yet to start
 * (where the workflow can tell, saying so in Preference-Applied).
 */
export async function getRunRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow'>) {
  const waitMs = preferredWaitMs(event);
  const seen = requestHeader(event, 'if-none-match')?.replace(/^W\//, '').replace(/"/g, '');
  const { run, version, waits } = await watchRun(
    event.pathParameters?.id ?? '',
    { ...(seen && { seen }), waitMs },
    deps,
  );
  return {
    status: 200,
    body: run,
    headers: { etag: `"${version}"`, ...(waits && waitMs > 0 && { 'preference-applied': `wait=${waitMs / 1000}` }) },
  };
}
