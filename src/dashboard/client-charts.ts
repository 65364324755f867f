/**
 * Browser code (a string, see client.ts): charts drawn as inline SVG from
 * `GET /functions/:name/series` (no chart library, nothing from another
 * origin), and the warnings. Each chart carries its numbers as data-*
 * attributes, so a test can check them against Redis.
 */
export const chartsScript = String.raw`
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children) el.append(c);
    return el;
  }

  // One series of points [t, value] as bars (counts) or a line (levels).
  function chart(title, key, points, kind, unit) {
    const W = 320, H = 90, values = points.map((p) => p[1] || 0);
    const max = Math.max(1, ...values);
    const total = values.reduce((a, b) => a + b, 0);
    const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
    const x = (t) => (t1 === t0 ? W / 2 : ((t - t0) / (t1 - t0)) * (W - 8) + 4);
    const y = (v) => H - 4 - (v / max) * (H - 12);
    const marks = kind === "bars"
      ? points.map((p) => svg("rect", { x: x(p[0]) - 3, y: y(p[1] || 0), width: 6, height: H - 4 - y(p[1] || 0), fill: "currentColor" }))
      : [svg("polyline", { points: points.map((p) => x(p[0]) + "," + y(p[1] || 0)).join(" "), fill: "none", stroke: "currentColor", "stroke-width": 2 })];
    const last = values.length ? values[values.length - 1] : 0;
    const summary = kind === "bars" ? "total " + total + (unit || "") : "now " + last + (unit || "") + ", max " + Math.max(0, ...values) + (unit || "");
    return h("figure", { class: "chart", "data-chart": key, "data-total": total, "data-last": last, "data-max": Math.max(0, ...values), "data-points": points.length },
      h("figcaption", {}, title, h("span", { class: "sub" }, " " + summary)),
      points.length ? svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title + ": " + summary }, ...marks) : h("p", { class: "empty" }, "No data yet."));
  }

  function renderCharts(series) {
    const m = series.minutes, s = series.samples;
    const at = (k) => m.map((x) => [x.t, x[k]]);
    return h("div", { class: "charts" },
      chart("Acknowledged / min", "acked", at("acked"), "bars"),
      chart("Retried / min", "retried", at("retried"), "bars"),
      chart("Dead-lettered / min", "deadLettered", at("deadLettered"), "bars"),
      chart("Redis commands / min (runs that did work)", "commands", at("commands"), "bars"),
      chart("Latency p50", "p50", at("p50").filter((p) => p[1] !== null), "line", " ms"),
      chart("Latency p95", "p95", at("p95").filter((p) => p[1] !== null), "line", " ms"),
      chart("Latency p99", "p99", at("p99").filter((p) => p[1] !== null), "line", " ms"),
      chart("Backlog (lag)", "lag", s.map((x) => [x.t, x.lag || 0]), "line"),
      chart("Pending", "pending", s.map((x) => [x.t, x.pending]), "line"));
  }

  function renderWarnings(fn, series) {
    const list = (series ? series.warnings : []).slice();
    if (fn.paused) list.unshift({ kind: "paused", message: "paused" + (fn.pausedAt ? " since " + new Date(fn.pausedAt).toLocaleString() : "") + ": runs read nothing until resumed" });
    if (list.length === 0) return "";
    return h("ul", { class: "warnings", "data-warnings": fn.name }, list.map((w) => h("li", { "data-warning": w.kind }, h("span", { class: "badge " + (w.kind === "paused" ? "warn" : "bad") }, w.kind.replace(/_/g, " ")), " ", w.message)));
  }
`;
