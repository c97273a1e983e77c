import { httpHandler } from '../src/edges/http.ts';
import { lifecyclePreviewRoute } from '../src/edges/routes/lifecycle-preview.ts';
import * as aws from '../src/wiring/aws.ts';

/** GET /apps/{app}/lifecycle/preview — what the app's lifecycle policy would expire now. */
export const handler = httpHandler(lifecyclePreviewRoute, () => ({
  config: aws.config(),
  registry: aws.registry(),
  logger: aws.logger(),
}));
