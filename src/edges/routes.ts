import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createUpload } from '../use-cases/create-upload.ts';
import type { Dependencies } from '../use-cases/dependencies.ts';
import { handleGithubWebhook } from '../use-cases/github-webhook.ts';
import { previewLifecycle } from '../use-cases/lifecycle-preview.ts';
import { startRebuild, type BuildRequestedEvent } from '../use-cases/rebuild.ts';
import { rollback } from '../use-cases/rollback.ts';
import { runLogs } from '../use-cases/run-logs.ts';
import { getRun, listRuns } from '../use-cases/runs.ts';
import { startRunFromObject, type ObjectCreatedEvent } from '../use-cases/start-run.ts';
import { jsonBody } from './http.ts';

/**
 * Each route's core: what its API Gateway event (or EventBridge event) means for a use case, and
 * what the answer is. `functions/` binds them to the AWS wiring, the local stack to its own; both
 * hand in only the dependencies a route names here. One function per route, so a Lambda bundle
 * holds only its route's use case.
 */

/** POST /uploads — a run id and a presigned upload for the app's build context. */
export async function createUploadRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'config' | 'objects' | 'clock' | 'logger' | 'settings'>) {
  return { status: 201, body: await createUpload(jsonBody(event), deps) };
}

/** GET /runs?app=&limit= — runs, newest first. */
export async function listRunsRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow'>) {
  return { status: 200, body: { runs: await listRuns({ ...event.queryStringParameters }, deps) } };
}

/** GET /runs/{id} — one run: its steps, image, deployment and error, from the execution history. */
export async function getRunRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow'>) {
  return { status: 200, body: await getRun(event.pathParameters?.id ?? '', deps) };
}

/** GET /runs/{id}/logs?cursor= — the run's build output, in order, resumable from the cursor. */
export async function getRunLogsRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'workflow' | 'buildLogs'>) {
  return { status: 200, body: await runLogs(event.pathParameters?.id ?? '', event.queryStringParameters?.cursor, deps) };
}

/** POST /apps/{app}/rollback — deploy an earlier successful run's image again, as a new run, without building. */
export async function rollbackRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'config' | 'containers' | 'workflow' | 'clock' | 'logger'>) {
  return { status: 202, body: await rollback(event.pathParameters?.app ?? '', jsonBody(event), deps) };
}

/** GET /apps/{app}/lifecycle/preview — what the app's lifecycle policy would expire now; 202 while ECR is still previewing. */
export async function lifecyclePreviewRoute(event: APIGatewayProxyEventV2, deps: Pick<Dependencies, 'config' | 'registry'>) {
  const answer = await previewLifecycle(event.pathParameters?.app ?? '', deps);
  return { status: answer.status === 'IN_PROGRESS' ? 202 : 200, body: answer };
}

/** POST /webhooks/github — no IAM auth: the use case verifies GitHub's HMAC signature of the raw body. */
export async function githubWebhookRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'config' | 'objects' | 'secrets' | 'source' | 'workflow' | 'clock' | 'logger'>,
) {
  const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return handleGithubWebhook({ headers: event.headers, body }, deps);
}

/**
 * EventBridge target for every way a run starts: a context landing under contexts/ (an upload or a
 * webhook) and `slipway` / `Build Requested` (rebuild requests and schedules).
 */
export async function startRunTarget(event: ObjectCreatedEvent | BuildRequestedEvent, deps: Pick<Dependencies, 'config' | 'objects' | 'workflow' | 'clock' | 'logger'>) {
  return event['detail-type'] === 'Build Requested' ? startRebuild(event, deps) : startRunFromObject(event, deps);
}
