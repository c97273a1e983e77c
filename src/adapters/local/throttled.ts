/**
 * `throttled(write, 250)`: `request()` has `write` run once, at least 250 ms after the last one ended,
 * however many requests come in meanwhile; `flush()` drops a pending write and waits for a running
 * one, so the caller's own last write comes after it. `write` must not reject.
 */
export function throttled(write: () => Promise<void>, gapMs: number): { request(): void; flush(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let lastEnded = 0;
  const schedule = () => {
    again = false;
    timer = setTimeout(run, Math.max(0, lastEnded + gapMs - Date.now()));
  };
  const run = () => {
    timer = undefined;
    running = write().finally(() => {
      running = undefined;
      lastEnded = Date.now();
      if (again) schedule();
    });
  };
  return {
    request() {
      if (timer) return;
      if (running) again = true;
      else schedule();
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      again = false;
      await running;
    },
  };
}
