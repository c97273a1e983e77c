import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../../use-cases/dependencies.ts';
import { watchRun, withRolloutProgress } from '../../use-cases/runs.ts';
import { preferredWaitMs, requestHeader } from '../http.ts';

/** How long an answer waits for news while a rollout is under way: its counts change without the history. */
const ROLLOUT_WAIT_MS = 1_000;

/**
 * GET /runs/{id} — one run: its steps, image, deployment and error, from the execution history, with the
 * rollout's counts as the service tells them while the run waits for it. Its ETag is the history's version
 * (and those counts): with `If-None-Match: <etag>` and `Prefer: wait=N`, the answer waits up to N seconds for
 * the run to change — at most a second during a rollout — and with `Prefer: wait=N` alone, for a run not
 * started yet to start (where the workflow can tell, saying so in Preference-Applied).
 */
export async function getRunRoute(
  event: APIGatewayProxyEventV2,
  deps: Pick<Dependencies, 'workflow' | 'config' | 'containers' | 'logger'>,
) {
  const preferred = preferredWaitMs(event);
  const seen = requestHeader(event, 'if-none-match')?.replace(/^W\//, '').replace(/"/g, '');
  // `12-RUNNING/1/2`: the history's version, then the counts the client last saw.
  const [seenHistory, ...seenProgress] = seen?.split('/') ?? [];
  const waitMs = seenProgress.length > 0 ? Math.min(preferred, ROLLOUT_WAIT_MS) : preferred;
  const watched = await watchRun(
    event.pathParameters?.id ?? '',
    { ...(seenHistory && { seen: seenHistory }), waitMs },
    deps,
  );
  const { run, progress } = await withRolloutProgress(watched.run, deps);
  const version = progress ? `${watched.version}/${progress}` : watched.version;
  return {
    status: 200,
    body: run,
    headers: {
      etag: `"${version}"`,
      ...(watched.waits && preferred > 0 && { 'preference-applied': `wait=${preferred / 1000}` }),
    },
  };
}
