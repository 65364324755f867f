/**
 * Browser code (a string, see client.ts): the Overview's charts, drawn as
 * inline SVG of our own (no library: about 6 KB of script, nothing from
 * another origin). Each has a time axis and a value axis, a range switch
 * (1 h, 6 h, 24 h), hover, tap or arrow keys for the exact values of a
 * minute, and says where its data ends ("no data before …"). Each series
 * carries its numbers as data-* attributes, so a test can check them
 * against Redis.
 */
export const chartsScript = String.raw`
  const SVG = "http://www.w3.org/2000/svg";
  const RANGES = [[60, "1 h"], [360, "6 h"], [1440, "24 h"]];
  let rangeMinutes = 60;
  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children) el.append(c);
    return el;
  }
  const hm = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  const fmt = (v) => (v >= 10000 ? Math.round(v / 1000) + "k" : String(Math.round(v * 10) / 10));

  // series: [{ key, label, points: [[t, v]], cls }]; kind "bars" stacks per minute, "lines" draws each.
  function chart(title, key, series, kind, unit, now, since) {
    const W = 560, H = 170, L = 40, R = 8, T = 10, B = 22, MIN = 60000;
    const t1 = Math.ceil(now / MIN) * MIN, t0 = t1 - rangeMinutes * MIN;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const inRange = series.map((s) => s.points.filter((p) => p[0] >= t0 && p[0] <= t1 && p[1] !== null));
    const tops = kind === "bars" ? stackTops(inRange) : inRange.flat().map((p) => p[1]);
    const top = niceMax(Math.max(0, ...tops));
    const y = (v) => H - B - (v / top) * (H - B - T);
    const g = [];
    for (const v of [0, top / 2, top]) {
      g.push(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      g.push(svg("text", { x: L - 5, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
    }
    const step = rangeMinutes <= 60 ? 10 : rangeMinutes <= 360 ? 60 : 240;
    for (let t = Math.ceil(t0 / (step * MIN)) * step * MIN; t <= t1; t += step * MIN) {
      g.push(svg("line", { x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4, class: "axis" }));
      // Labels near an edge are anchored inside it, so none is cut off.
      const anchor = x(t) > W - R - 30 ? "end" : x(t) < L + 30 ? "start" : "middle";
      g.push(svg("text", { x: x(t), y: H - 6, "text-anchor": anchor, class: "tick" }, hm(t)));
    }
    g.push(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
    if (since === null || since > t0 + MIN) {
      const edge = since === null ? W - R : Math.max(L, x(since));
      g.push(svg("rect", { x: L, y: T, width: edge - L, height: H - B - T, class: "nodata" }));
      g.push(svg("text", { x: (L + edge) / 2, y: (H - B + T) / 2, "text-anchor": "middle", class: "nodata-text", "data-no-data-before": since === null ? "" : since }, since === null ? "no data in this range" : "no data before " + hm(since)));
    }
    const bw = Math.max(2, ((W - L - R) / rangeMinutes) * 0.7);
    if (kind === "bars") {
      const base = {};
      series.forEach((s, i) => {
        for (const p of inRange[i]) {
          const b = base[p[0]] || 0;
          if (p[1] > 0) g.push(svg("rect", { x: x(p[0]) - bw / 2, y: y(b + p[1]), width: bw, height: y(b) - y(b + p[1]), class: "mark " + s.cls }));
          base[p[0]] = b + p[1];
        }
      });
    } else {
      series.forEach((s, i) => {
        const pts = inRange[i];
        if (pts.length > 1) g.push(svg("polyline", { points: pts.map((p) => x(p[0]) + "," + y(p[1])).join(" "), class: "line " + s.cls }));
        for (const p of pts) g.push(svg("circle", { cx: x(p[0]), cy: y(p[1]), r: pts.length > 30 ? 1.5 : 3, class: "dot-mark " + s.cls }));
      });
    }
    const cursor = svg("line", { x1: 0, x2: 0, y1: T, y2: H - B, class: "cursor", visibility: "hidden" });
    g.push(cursor);
    const summary = series.map((s) => s.label + " " + (kind === "bars" ? "total " + sum(s.points) : "now " + last(s.points)) + (unit || "")).join(", ");
    const plot = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title + " over the last " + rangeMinutes / 60 + " h: " + summary, tabindex: 0 }, ...g);
    const tip = h("div", { class: "tip", hidden: true, role: "status" });
    const minutes = Array.from(new Set(inRange.flat().map((p) => p[0]))).sort((a, b) => a - b);
    let at = -1;
    const show = (i) => {
      if (minutes.length === 0) return;
      at = Math.max(0, Math.min(minutes.length - 1, i));
      const t = minutes[at];
      cursor.setAttribute("x1", x(t)); cursor.setAttribute("x2", x(t)); cursor.setAttribute("visibility", "visible");
      tip.hidden = false;
      tip.replaceChildren(h("b", {}, new Date(t).toLocaleString([], { hour: "2-digit", minute: "2-digit", month: "short", day: "numeric" })),
        ...series.map((s) => { const p = s.points.find((q) => q[0] === t); return h("span", { class: "tip-row" }, h("i", { class: "swatch " + s.cls }), s.label + ": " + (p && p[1] !== null ? p[1] + (unit || "") : "–")); }));
      tip.style.left = Math.min(70, Math.max(0, ((x(t) - L) / (W - L - R)) * 100 - 10)) + "%";
    };
    const nearest = (clientX) => {
      const box = plot.getBoundingClientRect();
      const t = t0 + (((clientX - box.left) / box.width) * W - L) / (W - L - R) * (t1 - t0);
      let best = 0;
      minutes.forEach((m, i) => { if (Math.abs(m - t) < Math.abs(minutes[best] - t)) best = i; });
      return best;
    };
    plot.addEventListener("pointermove", (e) => show(nearest(e.clientX)));
    plot.addEventListener("pointerdown", (e) => show(nearest(e.clientX)));
    plot.addEventListener("pointerleave", () => { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); });
    plot.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") { e.preventDefault(); show(at < 0 ? minutes.length - 1 : at + (e.key === "ArrowRight" ? 1 : -1)); }
    });
    plot.addEventListener("blur", () => { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); });
    const legend = h("span", { class: "legend" }, series.map((s) => h("span", { "data-series": s.key, "data-total": sum(s.points), "data-max": max(s.points), "data-last": last(s.points), "data-points": s.points.length },
      h("i", { class: "swatch " + s.cls }), s.label)));
    return h("figure", { class: "chart", "data-chart": key }, h("figcaption", {}, h("span", { class: "chart-title" }, title), legend), h("div", { class: "plot" }, plot, tip));
  }
  const vals = (points) => points.map((p) => p[1]).filter((v) => v !== null);
  const sum = (points) => vals(points).reduce((a, b) => a + b, 0);
  const max = (points) => Math.max(0, ...vals(points));
  const last = (points) => { const v = vals(points); return v.length ? v[v.length - 1] : 0; };
  function stackTops(lists) {
    const tot = {};
    for (const l of lists) for (const p of l) tot[p[0]] = (tot[p[0]] || 0) + p[1];
    return Object.values(tot);
  }

  function renderCharts(series) {
    const minute = (t) => Math.floor(t / 60000) * 60000;
    // The backlog now takes the place of a sample from the same minute.
    const stored = series.current ? series.samples.filter((x) => minute(x.t) !== minute(series.current.t)) : series.samples;
    const m = series.minutes, s = stored.concat(series.current ? [series.current] : []);
    const at = (k) => m.map((x) => [x.t, x[k]]);
    const runsSince = m.length ? m[0].t : null, samplesSince = s.length ? minute(s[0].t) : null;
    const back = s.map((x) => [minute(x.t), x.pending]), lag = s.map((x) => [minute(x.t), x.lag]);
    const switcher = h("div", { class: "ranges", role: "group", "aria-label": "Chart range" }, RANGES.map(([mins, label]) => {
      const b = h("button", { type: "button", "data-range": mins, "aria-pressed": String(rangeMinutes === mins) }, label);
      b.addEventListener("click", () => { rangeMinutes = mins; soon(); });
      return b;
    }));
    return h("div", { class: "charts-block" },
      h("div", { class: "charts-head" }, h("h3", {}, "Over time"), switcher),
      h("div", { class: "charts" },
        chart("Messages per minute", "throughput", [
          { key: "acked", label: "acknowledged", points: at("acked"), cls: "s0" },
          { key: "retried", label: "retried", points: at("retried"), cls: "s1" },
          { key: "deadLettered", label: "dead-lettered", points: at("deadLettered"), cls: "s2" }], "bars", "", series.now, runsSince),
        chart("Latency, enqueue to acknowledge", "latency", [
          { key: "p50", label: "p50", points: at("p50"), cls: "s0" },
          { key: "p95", label: "p95", points: at("p95"), cls: "s1" },
          { key: "p99", label: "p99", points: at("p99"), cls: "s2" }], "lines", " ms", series.now, runsSince),
        chart("Backlog", "backlog", [
          { key: "pending", label: "pending", points: back, cls: "s0" },
          { key: "lag", label: "not yet read", points: lag, cls: "s1" }], "lines", "", series.now, samplesSince),
        chart("Redis commands per minute", "cost", [
          { key: "commands", label: "commands", points: at("commands"), cls: "s0" }], "bars", "", series.now, runsSince)));
  }
`;
