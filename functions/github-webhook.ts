import { httpHandler } from '../src/api/http.ts';
import { handleGithubWebhook } from '../src/triggers/github-webhook.ts';

/** POST /webhooks/github — no IAM auth: the handler verifies GitHub's HMAC signature of the raw body. */
export const handler = httpHandler(async (event, deps) => {
  const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return handleGithubWebhook({ headers: event.headers, body }, deps);
});
