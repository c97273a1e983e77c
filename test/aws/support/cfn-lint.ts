import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

export interface LintMatch {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string; Description: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

/** Whether AWS's template linter is installed (scripts/prereqs.sh installs it with pip where it is missing). */
export function cfnLintVersion(): string | undefined {
  try {
    return execFileSync('cfn-lint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * In CI a missing linter fails the suite (a skipped check proves nothing); on a laptop the test is
 * skipped with the reason, so the rest of the aws project still runs.
 */
export function requireCfnLint(): { available: boolean; reason: string } {
  const version = cfnLintVersion();
  if (version) return { available: true, reason: version };
  const reason = 'cfn-lint is not installed: run scripts/prereqs.sh (pip install cfn-lint)';
  if (process.env.CI === 'true')
    throw new Error(`${reason}; CI=true, so the template checks fail instead of skipping.`);
  return { available: false, reason };
}

/** `cfnLint(template, file)` → every match cfn-lint reports for the template (written to `file`). */
export async function cfnLint(template: object, file: string): Promise<LintMatch[]> {
  await writeFile(file, JSON.stringify(template, null, 2));
  try {
    const { stdout } = await promisify(execFile)('cfn-lint', ['--format', 'json', '--', file], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout || '[]') as LintMatch[];
  } catch (error) {
    // cfn-lint exits non-zero whenever it reports something (2 errors, 4 warnings, 8 informational).
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout) as LintMatch[];
    throw error;
  }
}

/** One line per error: rule, message and where. */
export function errorsOf(matches: LintMatch[]): string[] {
  return matches
    .filter((m) => m.Level === 'Error')
    .map((m) => `${m.Rule.Id} ${m.Message} (at ${m.Location.Path.join('/')})`);
}
