/**
 * `unlessMissing(() => readFileSync(file, 'utf8'))` → what the read returned, or undefined when what it reads
 * does not exist (ENOENT); any other failure is thrown. For the local stack's synchronous reads of its own files.
 */
export function unlessMissing<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
