import type { createLogUpdate } from 'log-update';
import type { RunView } from '../domain/run-view.ts';
import { STEPS } from '../domain/steps.ts';
import type { FollowEvent } from './follow.ts';
import { describeStep, type Output } from './output.ts';

/** How a followed run is shown: a live region on a terminal, plain lines in CI logs, JSON lines for scripts. */
export interface RunRenderer {
  event(event: FollowEvent): void;
  close(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TAIL = 8;

export async function createRenderer(out: Output, stream: NodeJS.WriteStream = process.stdout): Promise<RunRenderer> {
  if (out.json) return { event: (e) => e.type !== 'view' && out.event(e), close: () => undefined };
  // log-update (and what it pulls in) takes longer to load than the rest of the CLI: only a terminal needs it.
  if (stream.isTTY) return new LiveRenderer(stream, (await import('log-update')).createLogUpdate);
  return new PlainRenderer(out);
}

/** Every step change and every build line, one line each, no escape codes: what a CI log wants. */
class PlainRenderer implements RunRenderer {
  constructor(private readonly out: Output) {}
  event(event: FollowEvent): void {
    if (event.type === 'waiting') this.out.line('waiting for the run to start…');
    else if (event.type === 'step') this.out.line(describeStep(event));
    else if (event.type === 'log') this.out.line(`  │ ${event.line}`);
    else if (event.type === 'rollout')
      this.out.line(`  rollout: ${event.running}/${event.desired} running (${event.state})`);
  }
  close(): void {}
}

/** A redrawn block: each step with a spinner and its elapsed time, the build's last lines under the build step, the rollout counts. */
class LiveRenderer implements RunRenderer {
  private readonly update;
  private readonly timer: NodeJS.Timeout;
  private frame = 0;
  private run: RunView | undefined;
  private waiting = false;
  private readonly tail: string[] = [];
  private rollout = '';

  constructor(
    private readonly stream: NodeJS.WriteStream,
    logUpdate: typeof createLogUpdate,
  ) {
    this.update = logUpdate(stream);
    this.timer = setInterval(() => this.render(), 80);
  }

  event(event: FollowEvent): void {
    if (event.type === 'waiting') this.waiting = true;
    if (event.type === 'view') this.run = event.run;
    if (event.type === 'log') {
      this.tail.push(event.line);
      if (this.tail.length > TAIL) this.tail.shift();
    }
    if (event.type === 'rollout') this.rollout = `${event.running}/${event.desired} running`;
    this.render();
  }

  close(): void {
    clearInterval(this.timer);
    // Leave the final frame as plain output: clearing the live region first avoids log-update's
    // line-diffing leaving rows of a taller earlier frame behind.
    this.update.clear();
    this.update.done();
    const final = this.frameText(true);
    if (final) this.stream.write(`${final}\n`);
  }

  private render(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    this.update(this.frameText(false));
  }

  private frameText(final: boolean): string {
    if (!this.run) return this.waiting && !final ? `${SPINNER[this.frame]} waiting for the run to start…` : '';
    const lines: string[] = [];
    for (const name of STEPS) {
      const step = this.run.steps.find((s) => s.name === name);
      if (!step) continue;
      const started = step.startedAt ? Date.parse(step.startedAt) : undefined;
      const ended = step.endedAt ? Date.parse(step.endedAt) : step.status === 'RUNNING' ? Date.now() : undefined;
      const time = started !== undefined && ended !== undefined ? ` ${((ended - started) / 1000).toFixed(1)}s` : '';
      const mark =
        step.status === 'RUNNING'
          ? SPINNER[this.frame]
          : step.status === 'SUCCEEDED'
            ? '✓'
            : step.status === 'FAILED'
              ? '✗'
              : step.status === 'SKIPPED'
                ? '–'
                : '·';
      const extra = name === 'rollout' && this.rollout && step.status !== 'PENDING' ? `  (${this.rollout})` : '';
      const why = step.status === 'SKIPPED' && step.reason ? `  skipped: ${step.reason}` : '';
      const line = `${mark} ${name}${step.status === 'SKIPPED' ? '' : time}${extra}${why}`;
      // Cut to the terminal's width: a wrapped line would throw off the redraw.
      lines.push(final ? line : line.slice(0, Math.max(20, (this.stream.columns ?? 80) - 1)));
      // The build's output stays in view while it runs; once it ends, the summary quotes what matters.
      if (name === 'build' && this.tail.length && step.status === 'RUNNING' && !final) {
        // Cut to the terminal's width: a wrapped line would throw off the redraw.
        const width = Math.max(20, (this.stream.columns ?? 80) - 7);
        for (const line of this.tail) lines.push(`    │ ${line.slice(0, width)}`);
      }
    }
    return lines.join('\n');
  }
}
