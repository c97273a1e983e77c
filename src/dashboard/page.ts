import { APP_JS } from './client/app.ts';
import { HELPERS_JS } from './client/helpers.ts';
import { VIEWS_JS } from './client/views.ts';
import { DASHBOARD_CSS } from './styles.ts';

/**
 * The dashboard: one self-contained page (no build step, no dependencies) served by the API at `/`.
 * It reads the same API the CLI does — /apps, /runs, /runs/{id}, /runs/{id}/logs — with relative
 * paths, so it works behind the local stack, API Gateway and `slipway dashboard`'s signing proxy.
 * Views: `#/apps`, `#/runs?app=&status=` (the default), `#/runs/{runId}?app=&status=`.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slipway</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <strong>Slipway</strong>
  <nav class="tabs" aria-label="views"><a href="#/apps" data-view="apps">Apps</a><a href="#/runs" data-view="runs">Runs</a></nav>
  <span id="live" role="status"></span>
</header>
<div id="view"></div>
<script type="module">
${HELPERS_JS}
${VIEWS_JS}
${APP_JS}
</script>
</body>
</html>
`;
