import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { previewLifecycle } from '../../use-cases/lifecycle-preview.ts';

/** GET /apps/{app}/lifecycle/preview — what the app's lifecycle policy would expire now; 202 while ECR is still previewing. */
export async function lifecyclePreviewRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'config' | 'registry'>,
) {
  const answer = await previewLifecycle(event.pathParameters?.app ?? '', deps);
  return { status: answer.status === 'IN_PROGRESS' ? 202 : 200, body: answer };
}
