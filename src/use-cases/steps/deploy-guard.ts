import { TransientError } from '../../domain/errors.ts';
import {
  claimMarker,
  decideDeploy,
  deployMarkerKey,
  parseDeployMarker,
  supersededBy,
  type DeployDecision,
  type DeployMarker,
} from '../../domain/deploy-guard.ts';
import type { Dependencies } from '../dependencies.ts';

/** What Deploy may do: go ahead holding the claim (its marker's ETag), or not deploy (superseded, or wait its turn). */
export type Claim = { action: 'claimed'; etag: string } | Exclude<DeployDecision, { action: 'claim' }>;

/** Conditional writes lost to other runs in one call before giving up to the state machine's retry. */
const ATTEMPTS = 5;

/**
 * `claimDeploy('web', runId, deps)` → the claim on the app's service, or why there is none. Reads the
 * marker, decides, and writes the claim only if the marker is still the version it read (If-Match, or
 * If-None-Match when there is none): a run that loses the race reads again and decides again.
 */
export async function claimDeploy(
  app: string,
  runId: string,
  deps: Pick<Dependencies, 'objects' | 'clock'>,
): Promise<Claim> {
  const key = deployMarkerKey(app);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await deps.objects.getVersion(key);
    const marker = current ? parseDeployMarker(new TextDecoder().decode(current.body)) : undefined;
    const now = deps.clock.now();
    const decision = decideDeploy(marker, runId, now);
    if (decision.action !== 'claim') return decision;
    const write = await deps.objects.putIf(
      markerObject(key, claimMarker(runId, now)),
      current ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
    );
    if (write.written) return { action: 'claimed', etag: write.etag };
  }
  throw new TransientError(
    `Run ${runId} of app "${app}" lost ${ATTEMPTS} races for the deploy marker ${key} to other runs; it is safe to retry.`,
  );
}

/**
 * `releaseDeploy('web', runId, etag, deps)`: UpdateService returned, so the lease ends (`updated`) and a
 * newer run may claim at once. Only the version this run wrote is replaced; if it is gone (a newer run
 * claimed after the lease expired), there is nothing to release.
 */
export async function releaseDeploy(
  app: string,
  runId: string,
  etag: string,
  deps: Pick<Dependencies, 'objects' | 'clock'>,
): Promise<void> {
  const marker: DeployMarker = { ...claimMarker(runId, deps.clock.now()), phase: 'updated' };
  await deps.objects.putIf(markerObject(deployMarkerKey(app), marker), { ifMatch: etag });
}

/** `newerRun('web', runId, deps)` → the newer run that has claimed the app's service since, or undefined. */
export async function newerRun(
  app: string,
  runId: string,
  deps: Pick<Dependencies, 'objects'>,
): Promise<string | undefined> {
  const current = await deps.objects.getVersion(deployMarkerKey(app));
  return supersededBy(current ? parseDeployMarker(new TextDecoder().decode(current.body)) : undefined, runId);
}

function markerObject(key: string, marker: DeployMarker) {
  return { key, body: new TextEncoder().encode(JSON.stringify(marker)), contentType: 'application/json' };
}
