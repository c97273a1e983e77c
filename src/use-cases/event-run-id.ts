import { createHash } from 'node:crypto';
import { ulid } from 'ulid';

/**
 * `eventRunId(Date.parse(event.time), event.id)` → the same ULID every time the same event is
 * delivered: its time part from the event's own time (so runs still sort by time), its random
 * part from a hash of the event's id. The execution is named after the run id, so a redelivered
 * webhook or EventBridge event finds its run already there instead of starting a second one.
 */
export function eventRunId(timeMs: number, eventId: string): string {
  const digest = createHash('sha256').update(eventId).digest();
  let next = 0;
  // ulid draws 16 base32 characters, one prng() call each: feed it the digest's bytes.
  return ulid(timeMs, () => (digest[next++ % digest.length]! % 32) / 32);
}

/** `eventTime(new Date('…T03:00:00.750Z'))` → `…T03:00:00.000Z`: EventBridge keeps event times to the second, and run ids are derived from them. */
export function eventTime(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
