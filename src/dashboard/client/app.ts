/**
 * The dashboard's behaviour, as the browser runs it: routing (the view and the filters live in the
 * URL's hash, so a view can be linked and the back button works), reading the API, and polling.
 * A run in progress is polled from once a second, backing off while nothing changes; a run that
 * ended is not polled at all. The lists keep polling gently so new runs appear.
 */
export const APP_JS = String.raw`
const RUNS_LIMIT = 50;
const state = { route: parseRoute(location.hash), apps: undefined, runs: undefined, run: undefined, selected: '', log: emptyLog(''), folds: new Set(), problems: {} };
const timers = {};
const polling = {};
let generation = 0;
let resumeWhenVisible = [];

function emptyLog(runId) {
  return { runId, cursor: '', lines: [], done: false };
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new Error(path + ' answered ' + response.status + ' with something other than JSON');
  }
  if (!response.ok) throw new Error((body && body.error && body.error.message) || path + ' answered ' + response.status);
  return body;
}

/**
 * Calls tick(current) now and again after a delay that grows while nothing changes, until tick says
 * { again: false } or the view changes. A tick checks current() after each await: an answer that
 * arrives after the view changed must not touch the new view's state.
 */
function poll(name, tick, limits) {
  const mine = generation;
  const current = () => mine === generation;
  let delay = 0;
  const loop = async () => {
    if (mine !== generation) return;
    if (document.hidden) return void resumeWhenVisible.push(loop);
    let result;
    try {
      result = await tick(current);
      delete state.problems[name];
    } catch (error) {
      state.problems[name] = error.message || String(error);
      result = { again: true, changed: false };
    }
    if (mine !== generation) return;
    renderStatus();
    if (!result.again) {
      delete polling[name];
      return renderStatus();
    }
    delay = nextDelay(delay, { changed: result.changed, min: limits.min, max: typeof limits.max === 'function' ? limits.max() : limits.max });
    polling[name] = delay;
    renderStatus();
    timers[name] = setTimeout(loop, delay);
  };
  polling[name] = 0;
  loop();
}

function stopPolling() {
  generation += 1;
  for (const name of Object.keys(timers)) clearTimeout(timers[name]);
  for (const name of Object.keys(polling)) delete polling[name];
  resumeWhenVisible = [];
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  const waiting = resumeWhenVisible;
  resumeWhenVisible = [];
  waiting.forEach((loop) => loop());
});

const changedJson = (before, after) => JSON.stringify(before) !== JSON.stringify(after);
const anyRunning = (runs) => (runs || []).some((r) => r.status === 'RUNNING');

async function refreshApps(current) {
  const { apps } = await api('apps');
  if (!current()) return { again: false };
  const changed = changedJson(state.apps, apps);
  state.apps = apps;
  if (changed && state.route.view === 'apps') replace('apps-page', appsView(apps, Date.now()));
  return { again: true, changed };
}

async function refreshRuns(current) {
  const { app } = state.route.filters;
  const { runs } = await api('runs?limit=' + RUNS_LIMIT + (app ? '&app=' + encodeURIComponent(app) : ''));
  // The app filter offers every configured app; an API without /apps still gets the apps its runs name.
  const apps = state.apps === undefined ? await api('apps').then((a) => a.apps, () => null) : state.apps;
  if (!current()) return { again: false };
  const changed = changedJson(state.runs, runs);
  state.runs = runs;
  state.apps = apps;
  // The runs page without a run in its URL shows the newest run the filters let through.
  const first = state.route.view === 'runs' && !state.selected ? filterRuns(runs, state.route.filters)[0] : undefined;
  if (first) select(first.runId);
  if (changed || first) renderNav();
  return { again: true, changed: changed || anyRunning(runs) };
}

async function refreshRun(current) {
  const runId = state.selected;
  const run = await api('runs/' + encodeURIComponent(runId)).catch((error) => {
    if (current() && !state.run) replace('run', h('p', { class: 'error' }, 'Run ' + runId + ': ' + error.message));
    throw error;
  });
  if (!current()) return { again: false };
  const log = state.log.runId === runId ? state.log : (state.log = emptyLog(runId));
  let lines = 0;
  while (!log.done) {
    const page = await api('runs/' + encodeURIComponent(runId) + '/logs' + (log.cursor ? '?cursor=' + encodeURIComponent(log.cursor) : ''));
    if (!current()) return { again: false };
    log.lines.push(...page.lines);
    log.cursor = page.cursor;
    log.done = page.done;
    lines += page.lines.length;
    if (page.lines.length === 0) break;
  }
  const changed = lines > 0 || changedJson(state.run, run);
  state.run = run;
  renderRun();
  return { again: run.status === 'RUNNING' || !log.done, changed };
}

function select(runId) {
  if (state.selected === runId) return;
  state.selected = runId;
  state.run = undefined;
  state.folds = new Set();
  poll('run', refreshRun, { min: 1000, max: 8000 });
}

function replace(id, content) {
  const node = document.getElementById(id);
  if (node) node.replaceChildren(...[content].flat(Infinity).filter(Boolean));
}

function renderNav() {
  const names = (state.apps || []).map((a) => a.app);
  const fromRuns = (state.runs || []).map((r) => r.app).filter((a) => !names.includes(a));
  replace('runs', runsNav(state.runs || [], state.route.filters, names.concat([...new Set(fromRuns)]), state.selected, RUNS_LIMIT, Date.now()));
}

function renderRun() {
  const run = state.run;
  if (!run) return;
  const old = document.getElementById('log');
  const stuck = !old || old.scrollTop + old.clientHeight >= old.scrollHeight - 8;
  const scroll = old ? old.scrollTop : 0;
  replace('run', runPage(run, state.log, Date.now(), state.folds));
  const log = document.getElementById('log');
  if (log) log.scrollTop = stuck ? log.scrollHeight : scroll;
  document.title = run.app + ' ' + run.status + ' · Slipway';
}

function renderStatus() {
  const live = document.getElementById('live');
  const problems = Object.values(state.problems);
  const names = Object.keys(polling);
  document.body.dataset.polling = names.sort().join(' ');
  const shown = state.route.view !== 'apps' && state.run && state.selected === state.run.id;
  const text = problems.length ? 'cannot reach the API: ' + problems[0]
    : shown && !names.includes('run') ? 'run ' + state.run.status.toLowerCase() + ' · not polling it'
    : shown ? 'live · next look in ' + Math.round((polling.run || 1000) / 1000) + 's'
    : names.length ? 'live' : '';
  live.replaceChildren(text);
  live.className = problems.length ? 'problem' : names.includes('run') ? 'active' : '';
}

function show() {
  stopPolling();
  state.route = parseRoute(location.hash);
  state.selected = '';
  state.run = undefined;
  for (const tab of document.querySelectorAll('header a[data-view]')) tab.classList.toggle('current', tab.dataset.view === (state.route.view === 'apps' ? 'apps' : 'runs'));
  const view = document.getElementById('view');
  if (state.route.view === 'apps') {
    document.title = 'Apps · Slipway';
    view.className = 'apps-view';
    view.replaceChildren(h('main', { id: 'apps-page' }, state.apps ? appsView(state.apps, Date.now()) : h('p', { class: 'muted' }, 'Loading apps…')));
    poll('apps', refreshApps, { min: 2000, max: () => (anyRunning((state.apps || []).map((a) => a.lastRun).filter(Boolean)) ? 5000 : 30000) });
  } else {
    document.title = 'Runs · Slipway';
    view.className = 'runs-view';
    view.replaceChildren(h('nav', { id: 'runs', 'aria-label': 'runs' }, h('p', { class: 'muted empty' }, 'Loading runs…')), h('main', { id: 'run' }, h('p', { class: 'muted' }, 'Pick a run.')));
    if (state.route.view === 'run') select(state.route.runId);
    if (state.runs) renderNav();
    poll('runs', refreshRuns, { min: 2000, max: () => (anyRunning(state.runs) ? 5000 : 15000) });
  }
  renderStatus();
}

addEventListener('hashchange', show);
show();
`;
