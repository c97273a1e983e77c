import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { getRun } from '../../use-cases/runs.ts';

/** GET /runs/{id} — one run: its steps, image, deployment and error, from the execution history. */
export async function getRunRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow'>) {
  return { status: 200, body: await getRun(event.pathParameters?.id ?? '', deps) };
}
