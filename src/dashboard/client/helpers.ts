/**
 * The dashboard's pure helpers, as the browser runs them: plain JavaScript (the page has no build
 * step), kept apart from the DOM code so unit tests can evaluate exactly this text and call them.
 * Written with String.raw so regular expressions keep their backslashes; no template literals inside.
 */
export const HELPERS_JS = String.raw`
const STATUSES = ['RUNNING', 'SUCCEEDED', 'SUPERSEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'];
const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** parseRoute('#/runs/01J…?app=web&status=FAILED') → { view: 'run', runId, filters: { app: 'web', status: 'FAILED' } } */
function parseRoute(hash) {
  const raw = String(hash || '').replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const parts = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const status = (params.get('status') || '').toUpperCase();
  const filters = { app: params.get('app') || '', status: STATUSES.includes(status) ? status : '' };
  if (parts[0] === 'apps') return { view: 'apps', filters };
  if (parts[0] === 'runs' && RUN_ID.test(parts[1] || '')) return { view: 'run', runId: parts[1], filters };
  // Links from before the apps page: #<runId>.
  if (RUN_ID.test(parts[0] || '')) return { view: 'run', runId: parts[0], filters };
  return { view: 'runs', filters };
}

/** routeHash({ view: 'run', runId, filters }) → '#/runs/01J…?app=web': the inverse of parseRoute. */
function routeHash(route) {
  const params = new URLSearchParams();
  if (route.filters && route.filters.app) params.set('app', route.filters.app);
  if (route.filters && route.filters.status) params.set('status', route.filters.status);
  const query = params.toString() ? '?' + params.toString() : '';
  if (route.view === 'apps') return '#/apps';
  if (route.view === 'run') return '#/runs/' + encodeURIComponent(route.runId) + query;
  return '#/runs' + query;
}

/** filterRuns(runs, { status: 'FAILED' }) → the runs with that status (the API filters by app itself). */
function filterRuns(runs, filters) {
  return runs.filter((r) => (!filters.app || r.app === filters.app) && (!filters.status || r.status === filters.status));
}

// CodeBuild's own lines: "[Container] 2024/01/01 00:00:00.000000 Entering phase BUILD".
const ECHO = /^\[Container\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? (.*)$/;
// Echo lines that say something failed stay in sight.
const ECHO_FAILURE = /State: FAILED|did not exit successfully|Phase context status code: (?!\s*Message:)\S/;

/**
 * foldLog(lines) → blocks in order: { kind: 'output', lines } for the build's own output (docker's),
 * { kind: 'echo', lines, summary } for a run of CodeBuild echo lines (shown folded), and
 * { kind: 'failure', lines } for echo lines reporting a failure. Each block has its first line's index as start.
 */
function foldLog(lines) {
  const blocks = [];
  lines.forEach((line, index) => {
    const echo = ECHO.exec(line);
    const kind = echo ? (ECHO_FAILURE.test(echo[1]) ? 'failure' : 'echo') : 'output';
    const last = blocks[blocks.length - 1];
    if (last && last.kind === kind) last.lines.push(line);
    else blocks.push({ kind, start: index, lines: [line] });
  });
  for (const block of blocks) if (block.kind === 'echo') block.summary = echoSummary(block.lines);
  return blocks;
}

/** echoSummary(lines) → 'BUILD: docker build --tag … · 3 CodeBuild lines': the phases entered and the commands run. */
function echoSummary(lines) {
  const phases = [];
  const commands = [];
  for (const line of lines) {
    const text = (ECHO.exec(line) || [])[1] || '';
    const phase = /^Entering phase (\S+)/.exec(text);
    const command = /^Running command (.*)$/.exec(text);
    if (phase) phases.push(phase[1]);
    if (command) commands.push(clip(command[1].trim(), 72));
  }
  const parts = [];
  if (phases.length) parts.push(phases.join(', '));
  if (commands.length) parts.push(commands.slice(0, 2).join(' ; ') + (commands.length > 2 ? ' (+' + (commands.length - 2) + ' more)' : ''));
  const count = lines.length + ' CodeBuild line' + (lines.length === 1 ? '' : 's');
  return (parts.length ? parts.join(': ') + ' · ' : '') + count;
}

function clip(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

const TICKS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/**
 * timeline(run, now) → { seconds, rows, ticks }: each step's bar as fractions of the run's span
 * (left = start offset, width = duration), waits and retries included since a step spans from
 * its first state entered to its last state exited; a running step reaches now. A skipped step has
 * no bar, and keeps the reason it was skipped for.
 */
function timeline(run, now) {
  const start = Date.parse(run.startedAt);
  const times = run.steps.flatMap((s) => [s.startedAt, s.endedAt]).filter(Boolean).map(Date.parse);
  const end = run.endedAt ? Date.parse(run.endedAt) : Math.max(now, ...times);
  const span = Math.max(end - start, 1000);
  const rows = run.steps.map((step, index) => {
    const row = { name: step.name, status: step.status, retries: step.retries || 0 };
    if (step.reason) row.reason = step.reason;
    // A skipped step gets no bar, even one entered only to find nothing to do (an unchanged deploy).
    if (!step.startedAt || step.status === 'SKIPPED') return row;
    const from = Date.parse(step.startedAt);
    const nextStart = run.steps.slice(index + 1).map((s) => s.startedAt).find(Boolean);
    const to = step.status === 'RUNNING' ? end : step.endedAt ? Date.parse(step.endedAt) : nextStart ? Date.parse(nextStart) : end;
    row.left = (from - start) / span;
    row.width = Math.max(0, to - from) / span;
    row.seconds = Math.max(0, to - from) / 1000;
    return row;
  });
  const total = span / 1000;
  const every = TICKS.find((t) => total / t <= 6) || Math.ceil(total / 6);
  const ticks = [];
  for (let t = 0; t <= total + 1e-9; t += every) ticks.push({ at: t / total, label: t === 0 ? '0' : duration(t) });
  return { seconds: total, rows, ticks };
}

/**
 * sparkline(runs, { width, height, slots }) → bars, oldest left and the newest at the right edge,
 * each as tall as its run was long (relative to the longest), with its status for the colour.
 * runs come newest first, as the API lists them.
 */
function sparkline(runs, size) {
  const slots = size.slots || 20;
  const slot = size.width / slots;
  const shown = runs.slice(0, slots).slice().reverse();
  const longest = Math.max(1, ...shown.map((r) => r.seconds || 0));
  return shown.map((run, i) => {
    const h = Math.max(2, ((run.seconds || 0) / longest) * (size.height - 1));
    return { runId: run.runId, status: run.status, seconds: run.seconds || 0, x: size.width - (shown.length - i) * slot + 1, y: size.height - h, w: Math.max(1, slot - 2), h };
  });
}

/** nextDelay(1000, { changed: false, max: 8000 }) → 1600: poll often while things change, back off while they do not. */
function nextDelay(previous, options) {
  const min = options.min || 1000;
  if (options.changed || !previous) return min;
  return Math.min(Math.round(previous * 1.6), options.max);
}

/** duration(75.4) → '1m 15s'; duration(9.25) → '9.3s'; duration(3725) → '1h 02m'. */
function duration(seconds) {
  if (seconds < 60) return (seconds < 10 ? seconds.toFixed(1) : String(Math.round(seconds))) + 's';
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  if (m < 60) return m + 'm ' + String(whole % 60).padStart(2, '0') + 's';
  return Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
}

/** ago(iso, now) → '12s ago', '5m ago', '3h ago', '2d ago'. */
function ago(iso, now) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}

/** shortDigest('sha256:0123456789abcdef…') → '0123456789ab', as docker shortens ids. */
function shortDigest(digest) {
  return String(digest || '').replace(/^sha256:/, '').slice(0, 12);
}

/** safeHref('javascript:alert(1)') → undefined: only http(s) URLs become links. */
function safeHref(url) {
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
`;

/** The names HELPERS_JS defines, for the tests that evaluate it. */
export const HELPER_NAMES = [
  'parseRoute',
  'routeHash',
  'filterRuns',
  'foldLog',
  'timeline',
  'sparkline',
  'nextDelay',
  'duration',
  'ago',
  'shortDigest',
  'safeHref',
] as const;
