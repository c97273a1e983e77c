/**
 * Newest wins: of the runs of one app, only the one with the newest run id (ULIDs sort by upload time)
 * may move the service last. ECS has no compare-and-swap, so each app has one marker object, replaced
 * only by conditional writes, that names the newest run to claim the service and whether that run is
 * between its claim and the end of its UpdateService call (`updating`, a lease). Claims only ever go to
 * newer runs, and never while another run's lease holds, so UpdateService calls happen one at a time,
 * in run-id order: the last one is the newest run's. docs/guarantees.md gives the whole argument.
 */
export interface DeployMarker {
  /** The newest run that claimed the app's service. */
  runId: string;
  /** `updating`: the run may still be calling UpdateService (until `leaseUntil`); `updated`: its call returned. */
  phase: 'updating' | 'updated';
  /** ISO time after which an `updating` lease no longer holds (its Lambda has timed out long before). */
  leaseUntil: string;
}

export type DeployDecision =
  /** Write the claim (this run is the newest, and no other run is moving the service). */
  | { action: 'claim' }
  /** A newer run has claimed the service: this run must not deploy. */
  | { action: 'superseded'; by: string }
  /** An older run is calling UpdateService right now: wait for its call to return, then claim. */
  | { action: 'wait'; holder: string; until: string };

/** How long a claim's lease holds: beyond the Deploy Lambda's timeout (60 s), so a holder that crashed cannot still be calling ECS. */
export const DEPLOY_LEASE_SECONDS = 120;

/** `compareRunIds('01J…A', '01J…B')` → negative when the first is older. ULIDs compare as strings: time first, then randomness. */
export function compareRunIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `decideDeploy(marker, '01J…', now)` → what Deploy does next. A newer marker supersedes; an older one
 * whose lease still holds makes it wait; anything else (no marker, this run's own, an older finished or
 * expired one) lets it claim.
 */
export function decideDeploy(marker: DeployMarker | undefined, runId: string, now: Date): DeployDecision {
  if (!marker) return { action: 'claim' };
  const order = compareRunIds(marker.runId, runId);
  if (order > 0) return { action: 'superseded', by: marker.runId };
  if (order < 0 && marker.phase === 'updating' && Date.parse(marker.leaseUntil) > now.getTime()) {
    return { action: 'wait', holder: marker.runId, until: marker.leaseUntil };
  }
  return { action: 'claim' };
}

/** `supersededBy(marker, '01J…')` → the newer run that claimed the service after this one, or undefined while this run is still the newest. */
export function supersededBy(marker: DeployMarker | undefined, runId: string): string | undefined {
  return marker && compareRunIds(marker.runId, runId) > 0 ? marker.runId : undefined;
}

/** `claimMarker('01J…', now)` → the marker a run writes when it claims the service. */
export function claimMarker(runId: string, now: Date): DeployMarker {
  return { runId, phase: 'updating', leaseUntil: new Date(now.getTime() + DEPLOY_LEASE_SECONDS * 1000).toISOString() };
}

/** `deployMarkerKey('web')` → `guards/deploys/web.json`: outside `contexts/`, so writing it starts no run and no lifecycle rule expires it. */
export function deployMarkerKey(app: string): string {
  return `guards/deploys/${app}.json`;
}

/** `parseDeployMarker(bytes)` → the marker, or undefined for anything that is not one (treated as no marker). */
export function parseDeployMarker(text: string): DeployMarker | undefined {
  try {
    const value = JSON.parse(text) as Partial<DeployMarker>;
    if (
      typeof value.runId === 'string' &&
      (value.phase === 'updating' || value.phase === 'updated') &&
      typeof value.leaseUntil === 'string'
    ) {
      return { runId: value.runId, phase: value.phase, leaseUntil: value.leaseUntil };
    }
  } catch {
    // fall through
  }
  return undefined;
}
