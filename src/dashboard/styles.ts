/**
 * The dashboard's CSS, inlined into the page under the CSP nonce. One
 * column on a phone, cards side by side on wider screens; wide tables
 * scroll inside their card instead of widening the page.
 */
export const styles = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #0b62d6; --bad: #b3261e; --warn: #8a5a00; --ok: #1f7a3a; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1a1f25; --fg: #e6e9ed; --muted: #9aa4b0; --line: #2c333b; --accent: #6aa7ff; --bad: #ff8a80; --warn: #f0b44c; --ok: #6fd38b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 1.1rem; margin: 0; }
header .status { color: var(--muted); font-size: .85rem; flex: 1 1 auto; }
main { padding: 1rem; display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); max-width: 1400px; margin: 0 auto; }
@media (min-width: 1000px) { main.signed-in { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem 1rem; min-width: 0; }
.card h2 { font-size: 1.05rem; margin: .25rem 0; }
.card h3 { font-size: .9rem; margin: 1rem 0 .35rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.sub { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
.stats { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; min-width: 6.5rem; }
.stat b { display: block; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: .8rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
code { white-space: nowrap; }
code, td.id, .fields { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
td.id { white-space: nowrap; }
.fields { color: var(--muted); overflow-wrap: anywhere; margin-top: .15rem; }
td .sub { margin: 0; font-family: inherit; }
.empty { color: var(--muted); font-style: italic; margin: .25rem 0; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .75rem; font-weight: 600; border: 1px solid currentColor; }
.badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); } .badge.ok { color: var(--ok); }
.error { color: var(--bad); }
button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; min-height: 2.25rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
#login { max-width: 28rem; margin: 3rem auto; }
#login label { display: block; margin-bottom: .35rem; }
#login input { width: 100%; font: inherit; padding: .5rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); margin-bottom: .75rem; }
#notice { grid-column: 1 / -1; margin: 0; }
@media (max-width: 640px) {
  main { padding: .5rem; }
  .stat { min-width: 0; flex: 1 1 40%; }
  /* Rows become blocks of "label  value" lines; the runs table (all numbers) keeps its columns and scrolls. */
  table:not(.columns) thead { display: none; }
  table:not(.columns), table:not(.columns) tbody, table:not(.columns) tr, table:not(.columns) td { display: block; width: 100%; }
  table:not(.columns) tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table:not(.columns) td { position: relative; border: 0; padding: .1rem 0 .1rem 7rem; min-height: 1.4rem; text-align: left; white-space: normal; overflow-wrap: anywhere; }
  table:not(.columns) td::before { content: attr(data-label); position: absolute; left: 0; width: 6.5rem; color: var(--muted); font: .8rem/1.6 system-ui, sans-serif; }
}
#notice, #detail { grid-column: 1 / -1; }
#detail pre { white-space: pre-wrap; margin: 0; }
.read-only .write { display: none !important; }
.actions, .bulk, .pager { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .4rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin: .4rem 0; }
.filter { display: flex; flex-direction: column; font-size: .75rem; color: var(--muted); }
.filter input { font: inherit; font-size: .85rem; padding: .25rem; border-radius: 4px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); max-width: 11rem; }
button.link { border: 0; background: none; padding: 0; min-height: 0; color: var(--accent); font: inherit; text-decoration: underline; cursor: pointer; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .5rem; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .35rem .5rem; color: var(--accent); min-width: 0; }
.chart figcaption { color: var(--fg); font-size: .8rem; }
.chart svg { width: 100%; height: 4.5rem; display: block; }
.warnings { list-style: none; padding: 0; margin: .5rem 0; display: grid; gap: .25rem; }
[hidden] { display: none !important; }
`;
