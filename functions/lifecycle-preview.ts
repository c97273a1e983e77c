import { httpHandler } from '../src/api/http.ts';
import { previewLifecycle } from '../src/api/lifecycle-preview.ts';

/** GET /apps/{app}/lifecycle/preview — what the app's lifecycle policy would expire now; 202 while ECR is still previewing. */
export const handler = httpHandler(async (event, deps) => {
  const answer = await previewLifecycle(event.pathParameters?.app ?? '', deps);
  return { status: answer.status === 'IN_PROGRESS' ? 202 : 200, body: answer };
});
