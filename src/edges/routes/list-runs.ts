import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { listRuns } from '../../use-cases/runs.ts';

/** GET /runs?app=&limit= — runs, newest first. */
export async function listRunsRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow'>) {
  return { status: 200, body: { runs: await listRuns({ ...event.queryStringParameters }, deps) } };
}
