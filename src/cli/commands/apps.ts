import type { Command } from 'commander';
import type { AppSummary } from '../../use-cases/apps.ts';
import { apiClient, type ApiClient } from '../api-client.ts';
import { createOutput, type Output } from '../output.ts';

export function register(program: Command): void {
  program
    .command('apps')
    .description(
      'every app: its URL, the image that serves it, the task-definition revision, running/desired counts and its last run',
    )
    .option('--json', 'print { apps: [...] } as JSON')
    .action(async (flags: { json?: boolean }) => {
      const json = Boolean(flags.json);
      process.exitCode = await run({ json }, { client: await apiClient(), out: createOutput(json) });
    });
}

/**
 * `slipway apps [--json]`: every app in slipway.config.json — its URL, the image that serves
 * (short digest), the task-definition revision, running/desired tasks, and its last run.
 * `--json` prints `{ apps: [...] }` (the API's answer) on one line.
 */
export async function run(
  options: { json: boolean },
  deps: { client: ApiClient; out: Output; now?: () => Date },
): Promise<number> {
  const { apps } = await deps.client.request<{ apps: AppSummary[] }>('GET', '/apps');
  if (options.json) {
    deps.out.event({ apps });
    return 0;
  }
  if (apps.length === 0) {
    deps.out.line('no apps in slipway.config.json');
    return 0;
  }
  const now = (deps.now ?? (() => new Date()))();
  const rows = [['APP', 'URL', 'IMAGE', 'REVISION', 'TASKS', 'LAST RUN'], ...apps.map((app) => row(app, now))];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)));
  for (const r of rows)
    deps.out.line(r.map((cell, column) => (column === r.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
  for (const app of apps) if (app.problem) deps.out.error(`${app.app}: ${app.problem.name}: ${app.problem.message}`);
  return 0;
}

function row(app: AppSummary, now: Date): string[] {
  const serving = app.serving;
  const tasks =
    serving?.runningCount !== undefined || serving?.desiredCount !== undefined
      ? `${serving.runningCount ?? '?'}/${serving.desiredCount ?? '?'}`
      : '-';
  const last = app.lastRun ? `${app.lastRun.status} ${age(Date.parse(app.lastRun.startedAt), now)}` : 'never run';
  return [
    app.app,
    app.url ?? '-',
    serving ? shortImage(serving) : 'not serving',
    serving ? String(serving.revision) : '-',
    tasks,
    last,
  ];
}

/** `sha256:0123456789abcdef…` → `0123456789ab`, as `docker images` shortens ids; an image without a digest keeps its reference. */
function shortImage(serving: NonNullable<AppSummary['serving']>): string {
  return serving.digest ? serving.digest.slice('sha256:'.length, 'sha256:'.length + 12) : serving.image;
}

/** `age(then, now)` → `12s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function age(then: number, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
