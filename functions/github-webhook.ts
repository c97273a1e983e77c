import { httpHandler } from '../src/edges/http.ts';
import { githubWebhookRoute } from '../src/edges/routes/github-webhook.ts';
import * as aws from '../src/wiring/aws.ts';

/** POST /webhooks/github — no IAM auth: GitHub's HMAC signature of the raw body is verified. */
export const handler = httpHandler(githubWebhookRoute, () => ({
  config: aws.config(),
  objects: aws.objects(),
  secrets: aws.secrets(),
  source: aws.source(),
  clock: aws.clock(),
  logger: aws.logger(),
}));
