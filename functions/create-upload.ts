import { httpHandler } from '../src/edges/http.ts';
import { createUploadRoute } from '../src/edges/routes/create-upload.ts';
import * as aws from '../src/wiring/aws.ts';

/** POST /uploads — a run id and a presigned upload for the app's build context. */
export const handler = httpHandler(createUploadRoute, () => ({
  config: aws.config(),
  objects: aws.objects(),
  clock: aws.clock(),
  logger: aws.logger(),
  settings: aws.settings(),
}));
