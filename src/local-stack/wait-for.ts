import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Poll `check` until it returns true or the deadline passes: how the local stack waits for a
 * process it started to answer. A failing check is the same as "not yet". When `exited` settles
 * first (the process died), stop at once instead of waiting out the deadline.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; exited?: Promise<unknown> },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let died = false;
  void options.exited?.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) throw new Error(`${what} exited while starting.`);
    if (await check().catch(() => false)) return;
    await sleep(options.intervalMs ?? 100);
  }
  throw new Error(`${what} did not answer within ${Math.round(options.timeoutMs / 1000)}s.`);
}
