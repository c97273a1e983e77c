/** `catchError(() => parse(bad))` → what it threw, so a test can assert on the error's typed fields; fails when nothing is thrown. */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
