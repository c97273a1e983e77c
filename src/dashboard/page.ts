/**
 * The dashboard: one self-contained page (no build step, no dependencies) served by the API at `/`.
 * It reads the same API the CLI does — /runs, /runs/{id}, /runs/{id}/logs — and polls while a run is live.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slipway runs</title>
<style>
  :root { font: 14px/1.45 system-ui, sans-serif; color: #1b1f23; background: #f6f8fa; }
  body { margin: 0; display: grid; grid-template-columns: minmax(280px, 26rem) 1fr; min-height: 100vh; }
  header { grid-column: 1 / -1; padding: .6rem 1rem; background: #24292f; color: #fff; font-weight: 600; }
  nav { border-right: 1px solid #d0d7de; background: #fff; overflow: auto; }
  nav a { display: block; padding: .5rem 1rem; border-bottom: 1px solid #eaeef2; color: inherit; text-decoration: none; }
  nav a.selected { background: #ddf4ff; }
  main { padding: 1rem 1.5rem; overflow: auto; }
  code, pre { font: 12px/1.4 ui-monospace, monospace; }
  pre { background: #0d1117; color: #e6edf3; padding: .75rem; border-radius: 6px; max-height: 24rem; overflow: auto; white-space: pre-wrap; }
  .status { font-size: 11px; font-weight: 600; padding: 0 .4rem; border-radius: 1rem; }
  .SUCCEEDED { background: #dafbe1; color: #116329; } .FAILED, .ABORTED, .TIMED_OUT { background: #ffebe9; color: #a40e26; }
  .RUNNING { background: #fff8c5; color: #7d4e00; } .PENDING, .SKIPPED { background: #eaeef2; color: #57606a; }
  ol.steps { list-style: none; padding: 0; } ol.steps li { padding: .25rem 0; }
  .muted { color: #57606a; } .error { color: #a40e26; white-space: pre-wrap; }
</style>
</head>
<body>
<header>Slipway</header>
<nav id="runs" aria-label="runs"><p class="muted" style="padding:1rem">Loading runs…</p></nav>
<main id="run"><p class="muted">Pick a run.</p></main>
<script type="module">
const api = (path) => fetch(path, { headers: { accept: 'application/json' } }).then(async (r) => {
  const body = await r.json();
  if (!r.ok) throw new Error(body?.error?.message ?? r.status);
  return body;
});
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const seconds = (a, b) => (a && b ? ((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1) + 's' : '');
let selected = location.hash.slice(1);
let log = { runId: '', cursor: '', lines: [] };

async function refreshRuns() {
  const { runs } = await api('runs?limit=30');
  if (!selected && runs[0]) selected = runs[0].runId;
  document.getElementById('runs').innerHTML = runs.length
    ? runs.map((r) => '<a href="#' + r.runId + '" data-run="' + r.runId + '" class="' + (r.runId === selected ? 'selected' : '') + '">'
        + '<span class="status ' + r.status + '">' + r.status + '</span> <strong>' + esc(r.app) + '</strong><br><code>' + r.runId + '</code>'
        + ' <span class="muted">' + new Date(r.startedAt).toLocaleString() + '</span></a>').join('')
    : '<p class="muted" style="padding:1rem">No runs yet. Deploy with <code>npx slipway deploy ./app --app &lt;name&gt;</code>.</p>';
}

async function refreshRun() {
  if (!selected) return;
  const run = await api('runs/' + selected);
  if (log.runId !== run.id) log = { runId: run.id, cursor: '', lines: [] };
  for (;;) {
    const page = await api('runs/' + run.id + '/logs' + (log.cursor ? '?cursor=' + encodeURIComponent(log.cursor) : ''));
    log.lines.push(...page.lines);
    log.cursor = page.cursor;
    if (page.done || page.lines.length === 0) break;
  }
  const rows = run.steps.map((s) => '<li data-step="' + s.name + '"><span class="status ' + s.status + '">' + s.status + '</span> ' + s.name
    + ' <span class="muted">' + seconds(s.startedAt, s.endedAt) + (s.retries ? ' · ' + s.retries + ' retries' : '') + '</span></li>').join('');
  document.getElementById('run').innerHTML =
    '<h2 id="run-id"><code>' + run.id + '</code> <span class="status ' + run.status + '">' + run.status + '</span></h2>'
    + '<p>' + esc(run.app) + ' · ' + esc(run.trigger?.kind ?? '') + (run.trigger?.source ? ' by ' + esc(run.trigger.source) : '') + ' · started ' + new Date(run.startedAt).toLocaleString()
    + (run.endedAt ? ' · took ' + seconds(run.startedAt, run.endedAt) : '') + '</p>'
    + '<ol class="steps">' + rows + '</ol>'
    + (run.image ? '<p>image <code>' + esc(run.image.repository) + '@' + esc(run.image.digest) + '</code></p>' : '')
    + (run.deployment ? '<p>task definition revision ' + run.deployment.revision + ' · rollout ' + esc(run.deployment.state) + (run.deployment.desiredCount !== undefined ? ' · ' + run.deployment.runningCount + '/' + run.deployment.desiredCount + ' running' : '') + '</p>' : '')
    + (run.url ? '<p>serving at <a href="' + esc(run.url) + '">' + esc(run.url) + '</a></p>' : '')
    + (run.error ? '<p class="error">' + esc(run.error.step) + ': ' + esc(run.error.name) + ': ' + esc(run.error.message) + '</p>' : '')
    + (run.serving ? '<p>still serving revision ' + run.serving.revision + ' <code>' + esc(run.serving.image) + '</code></p>' : '')
    + '<h3>Build output</h3><pre id="log">' + (log.lines.length ? esc(log.lines.slice(-200).join('\\n')) : '<span class="muted">no output</span>') + '</pre>';
}

async function tick() {
  try { await refreshRuns(); await refreshRun(); } catch (error) { document.getElementById('run').insertAdjacentHTML('afterbegin', '<p class="error">' + esc(error.message) + '</p>'); }
  setTimeout(tick, 1000);
}
addEventListener('hashchange', () => { selected = location.hash.slice(1); refreshRun(); refreshRuns(); });
tick();
</script>
</body>
</html>
`;
