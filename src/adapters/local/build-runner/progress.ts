import { parseSlipwayErrorLine, type SlipwayErrorLine } from '../../../domain/build-error-line.ts';
import type { BuildState, BuildStatus } from '../../../ports/build-runner.ts';

/** How many lines `logTail` keeps. */
export const TAIL_LINES = 20;

export interface PhaseRecord {
  phaseType: string;
  phaseStatus: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
  startTime: string;
  endTime?: string;
}

const MARKER = /^\[Container\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)? (.*)$/;

interface CommandFailure {
  phase: string;
  command: string;
  exitCode: number;
  lastOutput?: string;
  tail: string[];
}

/**
 * Follows one build from its log lines: the phase it is in, which phase failed and why, and the tail.
 * It reads the `[Container] … Entering phase X` / `Phase complete: X State: Y` lines that the generated
 * script prints (CodeBuild prints the same), so the log alone is the source of truth.
 */
export class BuildProgress {
  readonly phases: PhaseRecord[] = [];
  lineCount = 0;
  private tail: string[] = [];
  private lastOutput: string | undefined;
  private firstFailure: CommandFailure | undefined;
  private readonly errors: Array<SlipwayErrorLine & { phase: string }> = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The phase the build is in now, by CodeBuild's name (SUBMITTED … COMPLETED). */
  get phase(): string {
    return this.phases.at(-1)?.phaseType ?? 'SUBMITTED';
  }

  /** Starts a phase; one still in progress is closed as succeeded (the runner's own phases never fail silently). */
  enter(phaseType: string): void {
    const current = this.phases.at(-1);
    if (current?.phaseStatus === 'IN_PROGRESS') this.complete(current.phaseType, 'SUCCEEDED');
    this.phases.push({ phaseType, phaseStatus: 'IN_PROGRESS', startTime: this.now().toISOString() });
  }

  complete(phaseType: string, status: Exclude<PhaseRecord['phaseStatus'], 'IN_PROGRESS'>): void {
    const record = this.phases.findLast((p) => p.phaseType === phaseType && p.phaseStatus === 'IN_PROGRESS');
    if (!record) return;
    record.phaseStatus = status;
    record.endTime = this.now().toISOString();
  }

  /** One line of build output, in order. */
  onLine(line: string): void {
    this.lineCount += 1;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    const marker = MARKER.exec(line)?.[1];
    if (marker === undefined) return this.onOutput(line);
    let match: RegExpExecArray | null;
    if ((match = /^Entering phase ([A-Z_]+)$/.exec(marker))) this.enter(match[1] as string);
    else if ((match = /^Phase complete: ([A-Z_]+) State: (SUCCEEDED|FAILED)$/.exec(marker))) {
      this.complete(match[1] as string, match[2] as 'SUCCEEDED' | 'FAILED');
    } else if (
      (match = /^Command did not exit successfully (.*) exit status (\d+)$/.exec(marker)) &&
      !this.firstFailure
    ) {
      this.firstFailure = {
        phase: this.phase,
        command: match[1] as string,
        exitCode: Number(match[2]),
        ...(this.lastOutput !== undefined && { lastOutput: this.lastOutput }),
        tail: [...this.tail],
      };
    }
  }

  private onOutput(line: string): void {
    if (line.trim() === '') return;
    this.lastOutput = line;
    const error = parseSlipwayErrorLine(line);
    if (error) this.errors.push({ ...error, phase: this.phase });
  }

  /** The first phase that failed, if any. */
  get failedPhase(): string | undefined {
    return this.phases.find((p) => p.phaseStatus === 'FAILED')?.phaseType;
  }

  /**
   * Why the build failed, in its own words: the `slipway: error:` line of the failed phase when the
   * buildspec printed one, else the last output line before the failing command and its exit status.
   */
  failure(exit?: { code: number | null; signal: string | null }): BuildState['failure'] {
    const phase = this.failedPhase ?? (this.firstFailure?.phase || undefined);
    if (phase) {
      const error = this.errors.find((e) => e.phase === phase) ?? this.errors[0];
      if (error) return { phase, message: `${error.kind}: ${error.message}` };
      const failed = this.firstFailure;
      if (failed) {
        const said = failed.lastOutput ? `${failed.lastOutput} ` : '';
        return { phase, message: `${said}(command "${failed.command}" exited with status ${failed.exitCode})`.trim() };
      }
    }
    if (!exit || (exit.code === 0 && !exit.signal)) return undefined;
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
    const said = this.lastOutput ? `${this.lastOutput} ` : '';
    return { phase: phase ?? this.phase, message: `${said}(the build shell ${how})` };
  }

  /** The last lines; for a failed build, the lines up to the failing command, where the reason is. */
  logTail(status: BuildStatus): string[] {
    return status === 'FAILED' && this.firstFailure ? [...this.firstFailure.tail] : [...this.tail];
  }
}
