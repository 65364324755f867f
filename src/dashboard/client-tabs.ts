/**
 * Browser code (a string, see client.ts): the tabs drawn from the view
 * route alone. Overview (warnings, stats, the lanes of a function with
 * priority lanes, charts, groups, consumers), Runs
 * (the stored run reports) and Settings (effective options and the FN_*
 * overrides that applied).
 */
export const tabsScript = String.raw`
  function renderOverview(data) {
    const fn = data.function, o = data.overview, g = o.groups.find((x) => x.name === fn.group);
    return [
      renderWarnings(fn, o.series),
      h("div", { class: "stats" },
        stat("messages in " + fn.stream, o.length, { "data-stat": "length", "data-stream": fn.stream }),
        stat("pending in " + fn.group, g ? g.pending : 0, { "data-stat": "pending", "data-stream": fn.stream }),
        stat("not yet read", g ? (g.lag === null ? "?" : g.lag) : 0, { "data-stat": "lag", "data-stream": fn.stream }),
        stat("dead letters in " + fn.deadLetterStream, fn.deadLetterCount, { "data-stat": "length", "data-stream": fn.deadLetterStream }),
        stat("groups on the stream", o.groups.length, { "data-stat": "groups", "data-stream": fn.stream })),
      renderLanes(fn, o.lanes),
      renderCharts(o.series),
      h("div", { class: "two" },
        h("div", {}, h("h3", {}, "Groups"),
          table(["group", "consumers", "pending", "last delivered", "lag"], o.groups.map((x) =>
            h("tr", { "data-group": x.name }, h("td", { class: "id" }, x.name), num(x.consumers), num(x.pending), h("td", { class: "id" }, x.lastDeliveredId), num(x.lag))),
            emptyState("No group yet", "The group is created on the function's first run: press Run now, or wait for its cron."), { "data-table": "groups", "data-stream": fn.stream })),
        h("div", {}, h("h3", {}, "Consumers of " + fn.group),
          table(["consumer", "pending", "idle", ""], o.consumers.map((c) =>
            h("tr", { "data-consumer": c.name }, h("td", { class: "id" }, c.name), num(c.pending), num(duration(c.idleMs), { "data-idle-ms": c.idleMs }),
              h("td", {}, c.pending > 0 && c.idleMs > o.staleAfterMs ? h("span", { class: "badge bad", title: "idle past " + duration(o.staleAfterMs) + " while holding pending entries" }, "stale") : ""))),
            emptyState("No consumers yet", "A consumer appears when a run first reads a message for this group."), { "data-table": "consumers", "data-group": fn.group }))),
    ];
  }

  // Highest first, as a run reads them; each lane's pending entries are one click away.
  function renderLanes(fn, lanes) {
    if (!lanes) return "";
    return [h("h3", {}, "Lanes, highest priority first"),
      table(["lane", "stream", "weight", "messages", "pending", "not yet read", ""], lanes.map((l) => {
        const open = h("button", { type: "button", "data-lane-pending": l.name }, "Pending");
        open.addEventListener("click", () => { listState(fn.name).lane = l.stream; listState(fn.name).pending = { start: "-", back: [] }; location.hash = "#/" + enc(fn.name) + "/pending"; });
        return h("tr", { "data-lane": l.name }, h("td", {}, l.name, l.default ? [" ", h("span", { class: "badge ok", title: "?priority= absent writes here" }, "default")] : ""), h("td", { class: "id" }, l.stream),
          num(l.weight), num(l.length, { "data-lane-stat": "length" }), num(l.pending, { "data-lane-stat": "pending" }), num(l.lag === null ? "?" : l.lag, { "data-lane-stat": "lag" }), h("td", {}, open));
      }), "", { "data-table": "lanes" })];
  }

  function renderWarnings(fn, series) {
    const list = (series ? series.warnings : []).slice();
    if (fn.paused) list.unshift({ kind: "paused", message: "paused" + (fn.pausedAt ? " since " + new Date(fn.pausedAt).toLocaleString() : "") + ": runs read nothing until resumed" });
    if (list.length === 0) return "";
    return h("ul", { class: "warnings", "data-warnings": fn.name }, list.map((w) => h("li", { "data-warning": w.kind }, h("span", { class: "badge " + (w.kind === "paused" ? "warn" : "bad") }, w.kind.replace(/_/g, " ")), " ", w.message)));
  }

  function runRow(r) {
    return h("tr", { tabindex: 0, "data-row": "" }, h("td", { class: "nowrap" }, ago(r.startedAt)), h("td", {}, r.trigger), num(r.read), num(r.reclaimed), num(r.acked), num(r.retried), num(r.deadLettered),
      num(duration(r.durationMs)), num(r.requests), num(r.commands), h("td", {}, r.stopReason === "error" ? h("span", { class: "badge bad", title: r.error || "" }, "error") : r.stopReason));
  }

  function renderRuns(fn) {
    const runs = fn.recentRuns || [];
    const failures = runs.flatMap((r) => (r.failures || []).map((f) => ({ run: r, f })));
    return [
      h("h3", {}, "Runs that did work (" + runs.length + " stored)"),
      table(["started", "trigger", "read", "reclaimed", "acked", "retried", "dead-lettered", "took", "requests", "commands", "stop"], runs.map(runRow),
        emptyState("No runs that did work yet", "Idle ticks store no report. Enqueue a message (POST /streams/" + fn.stream + "/messages), then press Run now."), { "data-table": "runs", class: "columns" }),
      failures.length ? [h("h3", {}, "Failed attempts in these runs"),
        table(["run", "id", "attempt", "error"], failures.slice(0, 50).map(({ run, f }) => openRow({}, fn.stream, f.id, [h("td", { class: "nowrap" }, ago(run.startedAt)), h("td", { class: "id" }, idLink(fn.stream, f.id)), num(f.attempt), h("td", {}, f.error)])),
          "", { "data-table": "failures" })] : "",
    ];
  }

  // FN_<NAME>_<OPTION>, or FN_<NAME>_<OPTION>_<FIELD> for a nested one (core/overrides.ts).
  const snake = (x) => x.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
  const overridden = (fn, k) => fn.overrides.some((o) => { const p = "FN_" + snake(fn.name) + "_" + snake(k); return o === p || o.startsWith(p + "_"); });

  function renderSettings(fn) {
    const opts = fn.options || {};
    const rows = Object.keys(opts).sort().map((k) => h("tr", { "data-option": k }, h("td", { class: "id" }, k), h("td", { class: "fields" }, typeof opts[k] === "object" ? JSON.stringify(opts[k]) : String(opts[k])),
      h("td", {}, overridden(fn, k) ? h("span", { class: "badge warn" }, "overridden") : "")));
    return [
      fn.error ? h("p", { class: "error" }, fn.error) : "",
      h("h3", {}, "Overrides that applied"),
      fn.overrides.length ? h("ul", { class: "plain", "data-overrides": "" }, fn.overrides.map((o) => h("li", {}, h("code", {}, o)))) : h("p", { class: "sub" }, "None: every option is as the function defines it. Set FN_" + fn.name.toUpperCase().replace(/[^A-Z0-9]/g, "_") + "_<OPTION> in the Worker's vars to change one."),
      fn.unknownOverrides.length ? h("p", { class: "error" }, "These vars match no option (a typo?): ", fn.unknownOverrides.join(", ")) : "",
      h("h3", {}, "Effective options"),
      table(["option", "value", ""], rows, emptyState("No options", "The options could not be resolved: see the error above."), { "data-table": "options" }),
    ];
  }
`;
