import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createUpload } from '../../use-cases/create-upload.ts';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { jsonBody } from '../http.ts';

/** POST /uploads — a run id and a presigned upload for the app's build context. */
export async function createUploadRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'config' | 'objects' | 'clock' | 'logger' | 'settings'>,
) {
  return { status: 201, body: await createUpload(jsonBody(event), deps) };
}
