/**
 * The dashboard's views, as the browser runs them: functions from API data to DOM nodes. Every
 * piece of data goes in as a text node or an attribute value (createElement, textContent,
 * setAttribute), never through innerHTML, so nothing the API returns is ever parsed as markup.
 */
export const VIEWS_JS = String.raw`
const SVG = 'http://www.w3.org/2000/svg';

/** h('a', { href, class: 'x', dataset: { run: id } }, 'text', child) → an element; strings become text nodes. */
function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

function s(tag, props, ...children) {
  return build(document.createElementNS(SVG, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') Object.assign(node.style, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function badge(status) {
  return h('span', { class: 'status ' + status }, status);
}

function link(url) {
  const href = safeHref(url);
  return href ? h('a', { href, class: 'url', target: '_blank', rel: 'noopener' }, url) : h('span', { class: 'muted' }, url || '—');
}

/** The apps page: one row per app — URL, what serves, tasks, last run, recent runs. */
function appsView(apps, now) {
  if (!apps.length) return h('p', { class: 'muted empty' }, 'No apps in slipway.config.json.');
  return [
    h('table', { id: 'apps', class: 'apps' },
      h('thead', {}, h('tr', {}, ['App', 'URL', 'Serving', 'Tasks', 'Last run', 'Recent runs'].map((t) => h('th', {}, t)))),
      h('tbody', {}, apps.map((app) => appRow(app, now)))),
    h('p', { class: 'muted small legend' }, 'Recent runs: up to 20, the newest on the right; a bar’s height is how long the run took, its colour the outcome (',
      h('span', { class: 'key SUCCEEDED' }), 'succeeded, ', h('span', { class: 'key FAILED' }), 'failed, ', h('span', { class: 'key RUNNING' }), 'in progress). Click a bar for the run.'),
  ];
}

function appRow(app, now) {
  const serving = app.serving;
  const tasks = serving && (serving.runningCount !== undefined || serving.desiredCount !== undefined)
    ? (serving.runningCount ?? '?') + '/' + (serving.desiredCount ?? '?') + ' running'
    : '—';
  const last = app.lastRun;
  return h('tr', { dataset: { app: app.app } },
    h('td', {}, h('a', { class: 'app-name', href: routeHash({ view: 'runs', filters: { app: app.app } }), title: 'runs of ' + app.app }, app.app),
      app.problem ? h('div', { class: 'error small' }, app.problem.name + ': ' + app.problem.message) : null),
    h('td', {}, app.url ? link(app.url) : h('span', { class: 'muted' }, 'not serving')),
    h('td', {}, serving
      ? [h('code', { class: 'digest', title: serving.image }, serving.digest ? shortDigest(serving.digest) : serving.image), h('span', { class: 'muted' }, ' rev ' + serving.revision)]
      : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'tasks' }, tasks),
    h('td', {}, last
      ? h('a', { class: 'last-run', href: routeHash({ view: 'run', runId: last.runId, filters: { app: app.app } }) }, badge(last.status), ' ', h('span', { class: 'muted' }, ago(last.startedAt, now) + ' · ' + duration(last.seconds)))
      : h('span', { class: 'muted' }, 'never run')),
    h('td', {}, sparklineView(app.app, app.recentRuns)));
}

function sparklineView(app, runs) {
  const size = { width: 160, height: 28, slots: 20 };
  const bars = sparkline(runs, size);
  return s('svg', { class: 'spark', width: size.width, height: size.height, viewBox: '0 0 ' + size.width + ' ' + size.height, role: 'img', 'aria-label': 'durations of the last ' + bars.length + ' runs of ' + app },
    s('line', { x1: 0, x2: size.width, y1: size.height - 0.5, y2: size.height - 0.5, class: 'baseline' }),
    bars.map((b) => {
      const a = s('a', { href: routeHash({ view: 'run', runId: b.runId, filters: { app } }) },
        s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 1, class: 'bar ' + b.status, dataset: { run: b.runId } },
          s('title', {}, b.status + ' · ' + duration(b.seconds) + ' · ' + b.runId)));
      return a;
    }));
}

/** The runs list with its filters; links keep the filters so the list stays as it was. */
function runsNav(runs, filters, appNames, selected, limit, now) {
  const shown = filterRuns(runs, filters);
  const go = (change) => { location.hash = routeHash({ view: 'runs', filters: { ...filters, ...change } }); };
  const select = (id, label, value, options, key) => h('label', {}, label + ' ',
    h('select', { id, onchange: (e) => go({ [key]: e.target.value }) },
      [['', 'all']].concat(options.map((o) => [o, o])).map(([v, text]) => {
        const option = h('option', { value: v }, text);
        option.selected = v === value;
        return option;
      })));
  const names = appNames.includes(filters.app) || !filters.app ? appNames : appNames.concat([filters.app]);
  const empty = 'No ' + (filters.status ? filters.status + ' ' : '') + 'runs' + (filters.app ? ' of ' + filters.app : '') + ' among the latest ' + limit + '.';
  return [
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      select('filter-app', 'app', filters.app, names, 'app'),
      select('filter-status', 'status', filters.status, STATUSES, 'status'),
      filters.app || filters.status ? h('a', { href: '#/runs', class: 'clear' }, 'clear') : null),
    h('p', { class: 'count muted' }, shown.length + ' run' + (shown.length === 1 ? '' : 's') + (filters.app || filters.status ? (shown.length === 1 ? ' matches' : ' match') : '')),
    shown.length
      ? shown.map((r) => h('a', { href: routeHash({ view: 'run', runId: r.runId, filters }), class: 'run-link' + (r.runId === selected ? ' selected' : ''), dataset: { run: r.runId, status: r.status, app: r.app } },
          h('span', { class: 'line' }, badge(r.status), r.note ? h('span', { class: 'note muted small' }, r.note) : null, h('strong', {}, r.app),
            h('span', { class: 'when muted', title: 'started ' + new Date(r.startedAt).toLocaleString() }, ago(r.startedAt, now) + (r.stoppedAt ? ' · ' + duration((Date.parse(r.stoppedAt) - Date.parse(r.startedAt)) / 1000) : ''))),
          h('code', { class: 'id' }, r.runId)))
      : h('p', { class: 'muted empty' }, runs.length ? empty : 'No runs yet. Deploy with: npx slipway deploy ./app --app <name>'),
  ];
}

/** One run: header, outcome, the steps as a timeline to scale, and the build output with CodeBuild's echo folded. */
function runPage(run, log, now, folds) {
  const took = run.endedAt ? ' · took ' + duration((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000) : ' · running for ' + duration((now - Date.parse(run.startedAt)) / 1000);
  const trigger = run.trigger ? ' · ' + run.trigger.kind + (run.trigger.source ? ' by ' + run.trigger.source : '') : '';
  return [
    h('h2', { id: 'run-id' }, h('code', {}, run.id), ' ', badge(run.status)),
    h('p', { class: 'meta' }, h('a', { href: routeHash({ view: 'runs', filters: { app: run.app } }) }, run.app), trigger + ' · started ' + new Date(run.startedAt).toLocaleString() + took),
    outcome(run),
    h('h3', {}, 'Steps'),
    timelineView(run, now),
    h('h3', {}, 'Build output'),
    logView(log, folds),
  ];
}

function outcome(run) {
  const items = [];
  if (run.url) items.push(h('p', {}, 'serving at ', link(run.url)));
  if (run.superseded) items.push(h('p', { class: 'superseded' }, 'superseded by newer run ', h('a', { href: routeHash({ view: 'run', runId: run.superseded.by, filters: { app: run.app } }) }, h('code', {}, run.superseded.by)), ' (newest upload wins; this run ' + (run.superseded.step === 'rollout' ? 'stopped following its rollout' : 'did not deploy') + ')'));
  if (run.unchanged) items.push(h('p', { class: 'unchanged' }, run.unchanged.message + ' (revision ' + run.unchanged.revision + '): nothing was built or deployed'));
  if (run.image) items.push(h('p', {}, 'image ', h('code', {}, run.image.repository + '@' + run.image.digest)));
  if (run.deployment) {
    const counts = run.deployment.desiredCount !== undefined ? ' · ' + (run.deployment.runningCount ?? '?') + '/' + run.deployment.desiredCount + ' running' : '';
    items.push(h('p', {}, 'task definition revision ' + run.deployment.revision + ' · rollout ' + run.deployment.state + counts));
  }
  if (run.error) items.push(h('p', { class: 'error' }, run.error.step + ': ' + run.error.name + ': ' + run.error.message));
  if (run.serving) items.push(h('p', {}, 'still serving revision ' + run.serving.revision + ' ', h('code', {}, run.serving.image)));
  return h('div', { class: 'outcome' }, items);
}

function timelineView(run, now) {
  const t = timeline(run, now);
  const pct = (f) => (f * 100).toFixed(3) + '%';
  return h('div', { class: 'timeline', id: 'timeline' },
    h('div', { class: 'axis' }, h('span'), h('div', { class: 'track' }, t.ticks.map((tick) => h('span', { class: 'tick', style: { left: pct(tick.at) } }, tick.label)))),
    h('ol', { class: 'steps' }, t.rows.map((row) => h('li', { dataset: { step: row.name }, class: 'row' },
      h('span', { class: 'label' }, badge(row.status), ' ', h('span', { class: 'name' }, row.name),
        row.retries ? h('span', { class: 'retries', title: row.retries + ' retries' }, ' ↻' + row.retries) : null),
      h('div', { class: 'track' },
        t.ticks.map((tick) => h('span', { class: 'grid', style: { left: pct(tick.at) } })),
        row.width !== undefined
          ? h('div', { class: 'bar ' + row.status, style: { left: pct(row.left), width: pct(row.width) }, title: row.name + ' ' + row.status + ' · ' + duration(row.seconds) },
              h('span', { class: 'seconds' + (row.left + row.width > 0.85 ? ' inside' : '') }, duration(row.seconds)))
          : h('span', { class: 'muted idle', title: row.reason }, row.status.toLowerCase() + (row.reason ? ': ' + row.reason : '')))))));
}

function logView(log, folds) {
  const box = h('div', { id: 'log', class: 'log' });
  if (!log.lines.length) return build(box, {}, [h('span', { class: 'muted' }, log.done ? 'no build output' : 'waiting for build output…')]);
  for (const block of foldLog(log.lines)) {
    if (block.kind === 'echo') {
      const details = h('details', { class: 'echo', dataset: { start: block.start } },
        h('summary', {}, block.summary), h('pre', {}, block.lines.join('\n')));
      details.open = folds.has(block.start);
      details.addEventListener('toggle', () => (details.open ? folds.add(block.start) : folds.delete(block.start)));
      box.append(details);
    } else {
      box.append(h('pre', { class: block.kind }, block.lines.join('\n')));
    }
  }
  return box;
}
`;
