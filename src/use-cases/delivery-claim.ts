import { contextKey } from '../domain/run-id.ts';
import type { Dependencies } from './dependencies.ts';

/** The runs one signed push makes: one per app that follows its branch. */
export interface ClaimedRun {
  app: string;
  runId: string;
}

interface ClaimRecord {
  runs: ClaimedRun[];
  claimedAt: string;
}

export type DeliveryClaim =
  /** This delivery is the first: it fetches and stores the contexts of `runs`. */
  | { first: true; runs: ClaimedRun[] }
  /** Another delivery of the same body claimed it: answer with its runs, fetch and write nothing. */
  | { first: false; runs: ClaimedRun[] };

/** How long a claim whose contexts are not all stored yet counts as in progress; after that a delivery may take it over (the first one failed). */
export const CLAIM_STALE_SECONDS = 120;

/** `deliveryClaimKey(sha256OfBody)` → `guards/deliveries/github/<hash>.json`: outside `contexts/`, so it starts no run. */
export function deliveryClaimKey(bodyHash: string): string {
  return `guards/deliveries/github/${bodyHash}.json`;
}

/**
 * `claimDelivery(bodyHash, runs, deps)`: one conditional write (If-None-Match) keyed by the signed body
 * decides which delivery is the first. Every other one reads the claim and gets the first one's run ids,
 * even when they came from the time of the first delivery. A claim whose contexts are still missing after
 * CLAIM_STALE_SECONDS is taken over (If-Match), keeping its run ids, so a failed first delivery does
 * not lose the push.
 */
export async function claimDelivery(
  bodyHash: string,
  runs: ClaimedRun[],
  deps: Pick<Dependencies, 'objects' | 'clock'>,
): Promise<DeliveryClaim> {
  const key = deliveryClaimKey(bodyHash);
  const record = (list: ClaimedRun[]) => ({
    key,
    body: new TextEncoder().encode(
      JSON.stringify({ runs: list, claimedAt: deps.clock.now().toISOString() } satisfies ClaimRecord),
    ),
    contentType: 'application/json',
  });
  const created = await deps.objects.putIf(record(runs), { ifNoneMatch: '*' });
  if (created.written) return { first: true, runs };

  const current = await deps.objects.getVersion(key);
  const claim = current ? parseClaim(new TextDecoder().decode(current.body)) : undefined;
  if (!current || !claim) return { first: false, runs };
  const age = (deps.clock.now().getTime() - Date.parse(claim.claimedAt)) / 1000;
  if (age <= CLAIM_STALE_SECONDS) return { first: false, runs: claim.runs };
  const stored = await Promise.all(
    claim.runs.map(async (run) => Boolean(await deps.objects.head(contextKey(run.app, run.runId)))),
  );
  if (stored.every(Boolean)) return { first: false, runs: claim.runs };
  const takeover = await deps.objects.putIf(record(claim.runs), { ifMatch: current.etag });
  return { first: takeover.written, runs: claim.runs };
}

function parseClaim(text: string): ClaimRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClaimRecord>;
    if (
      Array.isArray(value.runs) &&
      typeof value.claimedAt === 'string' &&
      value.runs.every((r) => typeof r?.app === 'string' && typeof r?.runId === 'string')
    ) {
      return { runs: value.runs, claimedAt: value.claimedAt };
    }
  } catch {
    // not a claim
  }
  return undefined;
}
