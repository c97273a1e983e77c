import { createUpload } from '../src/api/create-upload.ts';
import { httpHandler, jsonBody } from '../src/api/http.ts';

/** POST /uploads — a run id and a presigned upload for the app's build context. */
export const handler = httpHandler(async (event, deps) => ({ status: 201, body: await createUpload(jsonBody(event), deps) }));
