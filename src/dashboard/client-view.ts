/**
 * Browser code (a string, see client.ts): the sidebar (every function with
 * its state, backlog, pending, dead letters and a warning badge) and the
 * frame of a function's view: its name, actions, and the tabs as links, so
 * each tab has its own URL. The tab's body comes from client-tabs.ts or
 * client-lists.ts.
 */
export const viewScript = String.raw`
  const STATE_BADGE = { running: "ok", paused: "warn", failing: "bad", skipped: "warn", misconfigured: "bad" };

  function renderSidebar(rows, r) {
    const keep = sidebar.contains(document.activeElement) ? document.activeElement.getAttribute("data-fn") : null;
    const items = rows.map((s) => {
      const a = h("a", { href: "#/" + enc(s.name) + "/" + (r.fn === s.name ? r.tab : "overview"), "data-fn": s.name, "data-state": s.state, "aria-current": r.fn === s.name ? "page" : undefined },
        h("span", { class: "fn-name" }, s.name, s.warning ? [h("span", { class: "dot bad", title: s.warning, "data-warning-badge": "", "aria-hidden": "true" }, "!"), h("span", { class: "visually-hidden" }, " (" + s.warning + ")")] : ""),
        h("span", { class: "badge " + STATE_BADGE[s.state] }, s.state),
        h("span", { class: "fn-stats" },
          h("span", { "data-side": "backlog", title: "not acknowledged yet: pending " + s.pending + " + not yet read " + (s.lag === null ? "?" : s.lag) }, String(s.backlog), " backlog"),
          h("span", { "data-side": "pending" }, String(s.pending), " pending"),
          h("span", { "data-side": "dead", class: s.deadLetters ? "bad-text" : "" }, String(s.deadLetters), " dead")));
      return h("li", {}, a);
    });
    sidebar.replaceChildren(h("h2", { class: "side-title" }, "Functions"), h("ul", { class: "fn-list" }, items));
    if (keep) { const a = sidebar.querySelector('[data-fn="' + CSS.escape(keep) + '"]'); if (a) a.focus(); }
  }

  function renderView(r, data, list) {
    const fn = data.function;
    const keepFocus = viewEl.contains(document.activeElement) ? focusKey(document.activeElement) : null;
    const run = h("button", { type: "button", class: "write primary", "data-run": fn.name }, "Run now");
    run.addEventListener("click", () => runNow(fn.name, run));
    const toggle = h("button", { type: "button", class: "write", "data-pause-function": fn.name }, fn.paused ? "Resume function" : "Pause function");
    toggle.addEventListener("click", () => pauseFunction(fn, toggle));
    const badges = [
      fn.skipped ? h("span", { class: "badge warn", title: fn.skipped }, "skipped") : "",
      fn.paused ? h("span", { class: "badge warn", "data-paused": "", title: fn.pausedAt ? "since " + new Date(fn.pausedAt).toLocaleString() : "" }, "paused") : "",
      fn.error ? h("span", { class: "badge bad", title: fn.error }, "misconfigured") : "",
    ];
    const tabs = h("nav", { class: "tabs", "aria-label": "Views of " + fn.name }, TABS.map(([id, label]) =>
      h("a", { href: "#/" + enc(fn.name) + "/" + id, "data-tab": id, "aria-current": r.tab === id ? "page" : undefined }, label, id === "dead-letters" && fn.deadLetterCount ? h("span", { class: "count" }, String(fn.deadLetterCount)) : "")));
    const body = renderTab(r, data, list);
    const view = h("div", { class: "fn-view", "data-function": fn.name, "data-view": r.tab },
      h("div", { class: "fn-head" },
        h("div", {}, h("h2", { id: "fn-title" }, fn.name, " ", badges),
          h("p", { class: "sub" }, fn.description ? fn.description + " · " : "", fn.stream + " → group " + fn.group + " · dead letters → " + fn.deadLetterStream + " · cron ", h("code", {}, (fn.crons || []).join(", ")))),
        h("div", { class: "actions" }, run, toggle)),
      fn.skipped ? h("p", { class: "sub" }, "Skipped: " + fn.skipped) : "",
      tabs,
      h("section", { class: "panel", "aria-labelledby": "fn-title", "data-panel": r.tab }, body));
    viewEl.replaceChildren(view);
    document.title = fn.name + " · " + TABS.find((t) => t[0] === r.tab)[1] + " · cronsumer";
    if (keepFocus) { const el = viewEl.querySelector(keepFocus); if (el) el.focus(); }
  }

  // Refreshes rebuild the view: put focus back on the same control.
  function focusKey(el) {
    for (const a of ["data-id", "data-tab", "data-run", "data-pause-function", "data-page", "data-range", "data-filter"]) {
      const v = el.getAttribute(a);
      if (v !== null) return (el.tagName.toLowerCase()) + "[" + a + '="' + CSS.escape(v) + '"]';
    }
    return null;
  }

  function renderTab(r, data, list) {
    if (r.tab === "overview") return renderOverview(data);
    if (r.tab === "runs") return renderRuns(data.function);
    if (r.tab === "settings") return renderSettings(data.function);
    if (r.tab === "pending") return renderPending(data.function, list);
    if (r.tab === "delayed") return renderDelayed(data.function, list);
    return renderDeadLetters(data.function, list);
  }

  // Lists are read only while their tab is open.
  function loadTab(r, data) {
    if (r.tab === "pending") return loadPending(data.function);
    if (r.tab === "delayed") return api("/streams/" + enc(listedStream(data.function)) + "/delayed?limit=50");
    if (r.tab === "dead-letters") return loadDeadLetters(data.function);
    return Promise.resolve(null);
  }

  async function runNow(name, button) {
    button.disabled = true;
    try {
      const r = await api("/functions/" + enc(name) + "/run", { method: "POST" });
      say(r.skipped ? name + " is skipped: " + r.skipped : "Ran " + name + ": read " + r.read + ", reclaimed " + r.reclaimed + ", acked " + r.acked + ", retried " + r.retried + ", dead-lettered " + r.deadLettered + (r.error ? " (" + r.error + ")" : "") + ".", Boolean(r.error));
    } catch (error) {
      say("Run of " + name + " failed: " + error.message, true);
    }
    button.disabled = false;
    soon();
  }

  async function pauseFunction(fn, button) {
    const action = fn.paused ? "resume" : "pause";
    if (!confirm((fn.paused ? "Resume " : "Pause ") + fn.name + "?")) return;
    button.disabled = true;
    try {
      await api("/functions/" + enc(fn.name) + "/" + action, { method: "POST" });
      say((action === "pause" ? "Paused " : "Resumed ") + fn.name + ".", false);
    } catch (error) {
      say(error.message, true);
    }
    soon();
  }
`;
