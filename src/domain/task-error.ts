/**
 * `taskError({ Error: 'BuildFailedError', Cause: '{"errorType":…,"errorMessage":"…"}' })` → `{ name, message }`.
 * Step Functions hands a caught Lambda error over as a JSON Cause; a local handler's Cause is the plain
 * message. Both read the same here.
 */
export function taskError(error: { Error?: string; Cause?: string } | undefined): { name: string; message: string } {
  const name = error?.Error || 'UnknownError';
  const cause = error?.Cause ?? '';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'errorMessage' in parsed &&
      typeof parsed.errorMessage === 'string'
    ) {
      return { name, message: parsed.errorMessage };
    }
  } catch {
    // A plain-text cause: use it as it is.
  }
  if (name === 'States.Timeout') return { name, message: 'The step took longer than its timeout.' };
  return { name, message: cause || `The step failed with ${name}.` };
}
