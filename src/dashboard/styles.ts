/**
 * The console's CSS, inlined into the page under the CSP nonce. A sidebar
 * beside the view on wide screens, a drawer behind the menu button on a
 * phone; the message inspector slides in from the right. Colours follow the
 * system's light or dark setting; focus is always visible.
 */
export const styles = `
:root { color-scheme: light dark; --bg: #f4f6f8; --card: #fff; --fg: #1b1f24; --muted: #586270; --line: #d8dde3; --soft: #eef1f4; --accent: #0b5cc7; --bad: #b3261e; --warn: #8a5a00; --ok: #1f7a3a; --s0: #0b5cc7; --s1: #b76e00; --s2: #c62828; --focus: #0b5cc7; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1216; --card: #171b21; --fg: #e6e9ed; --muted: #a0aab6; --line: #2c333b; --soft: #1f252c; --accent: #7ab0ff; --bad: #ff8a80; --warn: #f0b44c; --ok: #6fd38b; --s0: #7ab0ff; --s1: #f0b44c; --s2: #ff8a80; --focus: #9cc4ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
a { color: var(--accent); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); position: sticky; top: 0; z-index: 3; }
header h1 { font-size: 1.1rem; margin: 0; letter-spacing: .01em; }
header .status { color: var(--muted); font-size: .85rem; flex: 1 1 auto; }
header .cost { font-size: .8rem; font-variant-numeric: tabular-nums; border: 1px solid var(--line); border-radius: 999px; padding: .1rem .6rem; color: var(--muted); }
#shell { display: grid; grid-template-columns: minmax(0, 1fr); min-height: calc(100vh - 3.2rem); }
body.signed-in #shell { grid-template-columns: 16.5rem minmax(0, 1fr); }
#sidebar { border-right: 1px solid var(--line); background: var(--card); padding: .75rem .5rem; }
.side-title { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: .25rem .5rem .5rem; }
.fn-list { list-style: none; margin: 0; padding: 0; display: grid; gap: .2rem; }
.fn-list a { display: grid; grid-template-columns: 1fr auto; gap: .1rem .5rem; padding: .5rem .6rem; border-radius: 6px; color: var(--fg); text-decoration: none; border: 1px solid transparent; }
.fn-list a:hover { background: var(--soft); }
.fn-list a[aria-current] { background: var(--soft); border-color: var(--line); box-shadow: inset 3px 0 0 var(--accent); }
.fn-name { font-weight: 600; overflow-wrap: anywhere; }
.fn-stats { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: .1rem .7rem; font-size: .78rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.bad-text { color: var(--bad); }
.dot { display: inline-grid; place-items: center; width: 1.05rem; height: 1.05rem; border-radius: 50%; font-size: .7rem; font-weight: 700; margin-left: .35rem; color: var(--card); background: var(--bad); vertical-align: 1px; }
main { padding: 1rem 1.25rem 2rem; min-width: 0; max-width: 1200px; width: 100%; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem 1rem; }
.fn-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-start; gap: .5rem 1rem; }
.fn-head h2 { font-size: 1.35rem; margin: 0 0 .15rem; }
h3 { font-size: .8rem; margin: 1.25rem 0 .4rem; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.sub { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
.tabs { display: flex; gap: .15rem; border-bottom: 1px solid var(--line); margin: .75rem 0 1rem; overflow-x: auto; scrollbar-width: thin; }
.tabs a { padding: .5rem .8rem; color: var(--muted); text-decoration: none; border-bottom: 3px solid transparent; white-space: nowrap; font-weight: 500; }
.tabs a:hover { color: var(--fg); }
.tabs a[aria-current] { color: var(--fg); border-bottom-color: var(--accent); }
.tabs .count { margin-left: .35rem; font-size: .72rem; background: var(--bad); color: var(--card); border-radius: 999px; padding: 0 .4rem; font-weight: 700; }
.panel { min-width: 0; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .5rem; margin: .5rem 0; }
.stat { border: 1px solid var(--line); background: var(--card); border-radius: 8px; padding: .5rem .75rem; min-width: 0; }
.stat b { display: block; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: .78rem; overflow-wrap: anywhere; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(31rem, 1fr)); gap: 0 1.25rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child td { border-bottom: 0; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; background: var(--soft); }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
tr[data-row] { cursor: default; }
tr[data-row]:hover { background: var(--soft); }
tr[data-row]:focus-visible { outline-offset: -3px; }
code { white-space: nowrap; }
code, td.id, .fields, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
td.id { white-space: nowrap; }
.error-cell { overflow-wrap: anywhere; min-width: 12rem; }
.fields { color: var(--muted); overflow-wrap: anywhere; }
td .sub { margin: 0; font-family: inherit; }
.empty-state { border: 1px dashed var(--line); border-radius: 8px; padding: 1rem 1.25rem; background: var(--card); }
.empty-title { font-weight: 600; margin: 0 0 .25rem; }
.empty-state .sub { margin: 0; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .75rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); } .badge.ok { color: var(--ok); }
.error { color: var(--bad); }
button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; min-height: 2.25rem; }
button:hover { border-color: var(--muted); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--card); }
button:disabled { opacity: .5; cursor: default; }
button[aria-pressed="true"] { background: var(--soft); border-color: var(--accent); font-weight: 600; }
.menu { display: none; font-size: 1.1rem; padding: .2rem .6rem; }
#login { max-width: 28rem; margin: 3rem auto; }
#login label { display: block; margin-bottom: .35rem; }
#login input { width: 100%; font: inherit; padding: .5rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); margin-bottom: .75rem; }
#notice { margin: 0 0 .75rem; }
.read-only .write { display: none !important; }
.actions, .bulk, .pager, .lanes { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .5rem 0; }
.toolbar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: end; gap: .25rem 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin: .4rem 0; }
.filter { display: flex; flex-direction: column; font-size: .75rem; color: var(--muted); gap: .1rem; }
.filter input { font: inherit; font-size: .85rem; padding: .3rem; border-radius: 4px; border: 1px solid var(--line); background: var(--card); color: var(--fg); max-width: 11rem; }
.id-link { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.warnings { list-style: none; padding: 0; margin: .5rem 0; display: grid; gap: .3rem; }
.warnings li { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; padding: .4rem .6rem; font-size: .9rem; }
.warnings li[data-warning="paused"] { border-left-color: var(--warn); }
.charts-head { display: flex; justify-content: space-between; align-items: end; gap: .5rem; }
.ranges { display: flex; gap: .25rem; }
.ranges button { min-height: 1.9rem; padding: .1rem .6rem; font-size: .8rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: .75rem; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .6rem .3rem; background: var(--card); min-width: 0; }
.chart figcaption { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .25rem .75rem; font-size: .85rem; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: .6rem; font-weight: 400; color: var(--muted); font-size: .78rem; }
.swatch { display: inline-block; width: .65rem; height: .65rem; border-radius: 2px; margin-right: .25rem; background: var(--s0); vertical-align: 0; }
.swatch.s1 { background: var(--s1); } .swatch.s2 { background: var(--s2); }
.plot { position: relative; }
.chart svg { width: 100%; height: auto; display: block; touch-action: pan-y; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
.chart .tick { fill: var(--muted); font-size: 11px; font-family: system-ui, sans-serif; }
.chart .mark.s0 { fill: var(--s0); } .chart .mark.s1 { fill: var(--s1); } .chart .mark.s2 { fill: var(--s2); }
.chart .line { fill: none; stroke-width: 2; } .chart .line.s0 { stroke: var(--s0); } .chart .line.s1 { stroke: var(--s1); } .chart .line.s2 { stroke: var(--s2); }
.chart .dot-mark.s0 { fill: var(--s0); } .chart .dot-mark.s1 { fill: var(--s1); } .chart .dot-mark.s2 { fill: var(--s2); }
.chart .nodata { fill: var(--soft); }
.chart .nodata-text { fill: var(--muted); font-size: 12px; font-style: italic; font-family: system-ui, sans-serif; }
.chart .cursor { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 3; }
.tip { position: absolute; top: .25rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .5rem; font-size: .78rem; box-shadow: 0 2px 8px rgb(0 0 0 / .15); display: grid; gap: .1rem; pointer-events: none; min-width: 9rem; }
#drawer { position: fixed; top: 0; right: 0; bottom: 0; width: min(36rem, 100vw); background: var(--card); border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgb(0 0 0 / .18); padding: .75rem 1.1rem 2rem; overflow-y: auto; z-index: 5; }
.drawer-head { display: flex; justify-content: space-between; align-items: center; gap: .5rem; position: sticky; top: -.75rem; background: var(--card); padding: .4rem 0; }
.drawer-head h2 { font-size: 1.05rem; margin: 0; overflow-wrap: anywhere; }
.close { font-size: 1.3rem; line-height: 1; padding: .2rem .6rem; }
.callout { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; padding: .5rem .7rem; font-size: .88rem; background: var(--soft); }
.callout .error { margin: .35rem 0 0; }
.kv { display: grid; grid-template-columns: minmax(6rem, max-content) 1fr; gap: .3rem .9rem; margin: 0; font-size: .88rem; }
.kv dt { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; overflow-wrap: anywhere; }
.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
pre.json, pre.curl { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); border-radius: 6px; padding: .4rem .55rem; }
pre.curl { font-size: .75rem; }
.plain { margin: 0; padding-left: 1.1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 760px) {
  body.signed-in #shell { grid-template-columns: minmax(0, 1fr); }
  .menu { display: inline-block; }
  #sidebar { position: fixed; top: 3.2rem; left: 0; bottom: 0; width: min(18rem, 85vw); z-index: 4; overflow-y: auto; transform: translateX(-105%); transition: transform .15s ease-out; box-shadow: 8px 0 24px rgb(0 0 0 / .18); visibility: hidden; }
  body.menu-open #sidebar { transform: none; visibility: visible; }
  main { padding: .75rem .75rem 2rem; }
  header { gap: .35rem .5rem; padding: .5rem .75rem; }
  header .status { flex-basis: 100%; order: 5; font-size: .78rem; }
  header button { min-height: 2rem; padding: .15rem .55rem; font-size: .85rem; }
  header .cost { font-size: .72rem; padding: .05rem .45rem; }
  #shell { min-height: 0; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .charts { grid-template-columns: minmax(0, 1fr); }
  .two { grid-template-columns: minmax(0, 1fr); }
  /* Rows become blocks of "label  value" lines; the runs table (all numbers) keeps its columns and scrolls. */
  table:not(.columns) thead { display: none; }
  table:not(.columns), table:not(.columns) tbody, table:not(.columns) tr, table:not(.columns) td { display: block; width: 100%; }
  table:not(.columns) tr { border-bottom: 1px solid var(--line); padding: .4rem .2rem; }
  table:not(.columns) td { position: relative; border: 0; padding: .1rem .4rem .1rem 7rem; min-height: 1.4rem; text-align: left; white-space: normal; overflow-wrap: anywhere; }
  table:not(.columns) td::before { content: attr(data-label); position: absolute; left: .4rem; width: 6.3rem; color: var(--muted); font: .78rem/1.6 system-ui, sans-serif; }
  .error-cell { min-width: 0; }
  /* A dead letter on a phone: box, id and Replay on one line, the error under them, then deliveries and when. */
  table.dl tr { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: .15rem .6rem; align-items: center; padding: .5rem .4rem; }
  table.dl td { padding: 0; min-height: 0; }
  table.dl td::before { content: none; }
  table.dl td:nth-child(6) { grid-column: 3; grid-row: 1; }
  table.dl td:nth-child(4) { grid-column: 1 / -1; }
  table.dl td:nth-child(3), table.dl td:nth-child(5) { grid-column: span 1; color: var(--muted); font-size: .78rem; text-align: left; }
  table.dl td:nth-child(3) { grid-column: 1 / 3; }
  table.dl td:nth-child(3)::after { content: " deliveries"; }
  table.dl td:nth-child(5) { grid-column: 3; text-align: right; }
  .kv { grid-template-columns: minmax(0, 1fr); gap: .1rem; }
  .kv dd { margin-bottom: .4rem; }
}
[hidden] { display: none !important; }
`;
