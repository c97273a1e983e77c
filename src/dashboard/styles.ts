/** The dashboard's stylesheet: light, dense, GitHub-like; outcome colours shared by badges, bars and sparklines. */
export const DASHBOARD_CSS = String.raw`
:root { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; background: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --live: #bf8700; --idle: #8c959f; --line: #d0d7de; --faint: #eaeef2; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
header { display: flex; align-items: center; gap: 1.5rem; padding: 0 1rem; height: 3rem; background: #24292f; color: #fff; }
header strong { font-size: 15px; }
header nav a { color: #d0d7de; text-decoration: none; padding: .9rem .6rem; border-bottom: 2px solid transparent; }
header nav a.current { color: #fff; border-bottom-color: #fd8c73; font-weight: 600; }
#live { margin-left: auto; font-size: 12px; color: #d0d7de; }
#live.active::before { content: '●'; color: #f2cc60; margin-right: .35rem; animation: pulse 1.2s ease-in-out infinite; }
#live.problem { color: #ffaba8; }
@keyframes pulse { 50% { opacity: .3; } }
#view { flex: 1; display: grid; min-height: 0; }
#view.runs-view { grid-template-columns: minmax(280px, 24rem) 1fr; }
#view.apps-view { grid-template-columns: 1fr; }
nav#runs { border-right: 1px solid var(--line); background: #fff; overflow: auto; max-height: calc(100vh - 3rem); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--faint); background: #f6f8fa; position: sticky; top: 0; }
.filters label { font-size: 12px; color: #57606a; }
.filters select { font: inherit; font-size: 13px; padding: .1rem .25rem; }
.filters .clear { font-size: 12px; }
.count { margin: 0; padding: .35rem 1rem; font-size: 12px; border-bottom: 1px solid var(--faint); }
a.run-link { display: block; padding: .5rem 1rem; border-bottom: 1px solid var(--faint); color: inherit; text-decoration: none; }
a.run-link .line { display: flex; align-items: center; gap: .5rem; }
a.run-link .when { margin-left: auto; font-size: 12px; white-space: nowrap; }
a.run-link code.id { display: block; margin-top: .15rem; font-size: 11px; color: #57606a; }
a.run-link:hover { background: #f6f8fa; }
a.run-link.selected { background: #ddf4ff; box-shadow: inset 3px 0 0 #0969da; }
main { padding: 1rem 1.5rem 2rem; overflow: auto; min-width: 0; }
main h2 { margin: .25rem 0; font-size: 18px; display: flex; align-items: center; gap: .6rem; } main h2 code { font-size: 16px; } main h3 { margin: 1.25rem 0 .5rem; font-size: 14px; }
a { color: #0969da; }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
.status { display: inline-block; font-size: 11px; font-weight: 600; padding: 0 .45rem; border-radius: 1rem; line-height: 18px; }
.status.SUCCEEDED { background: #dafbe1; color: #116329; }
.status.FAILED, .status.ABORTED, .status.TIMED_OUT { background: #ffebe9; color: #a40e26; }
.status.SUPERSEDED { background: #eaeef2; color: #57606a; }
.status.RUNNING { background: #fff8c5; color: #7d4e00; }
.status.PENDING, .status.SKIPPED { background: var(--faint); color: #57606a; }
.muted { color: #57606a; } .small { font-size: 12px; } .empty { padding: 1rem; margin: 0; }
.error { color: #a40e26; white-space: pre-wrap; }
.meta { margin: .25rem 0 .75rem; color: #57606a; }
.outcome p { margin: .2rem 0; } .outcome code { word-break: break-all; }

table.apps { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
table.apps th { text-align: left; font-size: 12px; font-weight: 600; color: #57606a; background: #f6f8fa; padding: .5rem .75rem; border-bottom: 1px solid var(--line); }
table.apps td { padding: .6rem .75rem; border-bottom: 1px solid var(--faint); vertical-align: middle; }
table.apps tr:last-child td { border-bottom: 0; }
.app-name { font-weight: 600; font-size: 15px; color: inherit; }
.last-run { text-decoration: none; color: inherit; white-space: nowrap; }
.tasks { white-space: nowrap; }
svg.spark { display: block; }
svg.spark .baseline { stroke: var(--line); }
.bar.SUCCEEDED { fill: var(--ok); background: var(--ok); }
.bar.FAILED, .bar.ABORTED, .bar.TIMED_OUT { fill: var(--bad); background: var(--bad); }
.bar.RUNNING { fill: var(--live); background: var(--live); }
svg.spark a:hover rect { opacity: .7; }
.legend { margin: .6rem .25rem; }
.legend .key { display: inline-block; width: .6rem; height: .6rem; border-radius: 2px; margin: 0 .25rem 0 .1rem; vertical-align: baseline; }
.key.SUCCEEDED { background: var(--ok); } .key.FAILED { background: var(--bad); } .key.RUNNING { background: var(--live); }

.timeline { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .25rem .75rem .5rem; }
.timeline .axis, .timeline li.row { display: grid; grid-template-columns: 12rem 1fr; align-items: center; gap: .75rem; }
.timeline .axis { height: 1.4rem; }
.timeline .axis .track { height: 100%; }
.timeline .tick { position: absolute; transform: translateX(-50%); font-size: 11px; color: #57606a; white-space: nowrap; top: .2rem; }
.timeline .tick:first-child { transform: none; }
ol.steps { list-style: none; margin: 0; padding: 0; }
li.row { height: 1.9rem; }
li.row .label { white-space: nowrap; overflow: hidden; }
.track { position: relative; height: 1.3rem; margin-right: 2.5rem; min-width: 0; }
.track .grid { position: absolute; top: -.3rem; bottom: -.3rem; border-left: 1px dashed var(--faint); }
.track .idle { font-size: 12px; line-height: 1.3rem; display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.timeline .bar { position: absolute; top: .15rem; height: 1rem; min-width: 2px; border-radius: 3px; }
.timeline .bar.PENDING, .timeline .bar.SKIPPED { background: var(--idle); }
.timeline .bar.RUNNING { background-image: repeating-linear-gradient(-45deg, rgba(255,255,255,.35) 0 6px, transparent 6px 12px); background-size: 17px 17px; animation: stripes 1s linear infinite; }
@keyframes stripes { to { background-position: 17px 0; } }
.bar .seconds { position: absolute; left: calc(100% + .35rem); font-size: 11px; line-height: 1rem; color: #57606a; white-space: nowrap; }
.bar .seconds.inside { left: auto; right: .35rem; color: #fff; }
.retries { color: var(--live); font-size: 12px; font-weight: 600; }

.log { background: #0d1117; color: #e6edf3; border-radius: 6px; padding: .5rem .75rem; max-height: 32rem; overflow: auto; }
.log pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.log pre.failure { color: #ffa198; }
.log details.echo { margin: .15rem 0; }
.log details.echo summary { cursor: pointer; color: #7d8590; font: 12px/1.45 ui-monospace, monospace; list-style-position: inside; }
.log details.echo summary:hover { color: #adbac7; }
.log details.echo pre { color: #7d8590; border-left: 2px solid #30363d; padding-left: .6rem; }
`;
