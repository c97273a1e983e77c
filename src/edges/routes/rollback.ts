import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { rollback } from '../../use-cases/rollback.ts';
import { jsonBody } from '../http.ts';

/** POST /apps/{app}/rollback — deploy an earlier successful run's image again, as a new run, without building. */
export async function rollbackRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock' | 'logger'>,
) {
  return { status: 202, body: await rollback(event.pathParameters?.app ?? '', jsonBody(event), deps) };
}
