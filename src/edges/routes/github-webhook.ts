import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { handleGithubWebhook } from '../../use-cases/github-webhook.ts';

/** POST /webhooks/github — no IAM auth: the use case verifies GitHub's HMAC signature of the raw body. */
export async function githubWebhookRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'config' | 'objects' | 'secrets' | 'source' | 'clock' | 'logger'>,
) {
  const body =
    event.body === undefined
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return handleGithubWebhook({ headers: event.headers, body }, deps);
}
