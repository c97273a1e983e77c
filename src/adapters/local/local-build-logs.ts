import { InvalidInputError } from '../../domain/errors.ts';
import type { BuildLogPage, BuildLogRef, BuildLogs } from '../../ports/build-logs.ts';
import type { LocalBuildRunner } from './build-runner/index.ts';

/** The local build runner's captured output, read by line number (the cursor). */
export class LocalBuildLogs implements BuildLogs {
  constructor(private readonly runner: LocalBuildRunner) {}

  async read(build: BuildLogRef, cursor = '0'): Promise<BuildLogPage> {
    const from = Number(cursor);
    if (!Number.isInteger(from) || from < 0)
      throw new InvalidInputError(`cursor must be a line number (got "${cursor}"); start without one.`);
    const page = await this.runner.logLines(build.buildId, from);
    return { lines: page.lines, cursor: String(page.cursor), done: page.done };
  }

  async appended(build: BuildLogRef, cursor = '0', timeoutMs: number): Promise<void> {
    await this.runner.whenOutput(build.buildId, Number(cursor) || 0, timeoutMs);
  }
}
