/**
 * The dashboard's browser script, inlined under the CSP nonce. It is a plain
 * string (not a function's source) so the bundler cannot rewrite it, and it
 * uses no template literals so it fits in one.
 *
 * Safety: the token lives in sessionStorage and travels only in the
 * Authorization header, never in a URL. Every value from the API reaches the
 * page as text (`append(string)`, `textContent`), never as HTML.
 *
 * Cost: every API answer says what it cost in Redis commands
 * (X-Redis-Commands); the page adds them up per refresh and shows the sum.
 * A refresh reads one page of each list, so its cost does not grow with the
 * data (about 20 commands per function). Refreshes pause while the tab is
 * hidden or paused.
 *
 * Read-only: when the API says the token may only read (X-Cronsumer-Access),
 * everything marked `.write` is hidden.
 *
 * The lists, charts and message view live in their own modules, spliced in
 * below; they share this scope (h, api, refresh, say).
 */
import { chartsScript } from "./client-charts.js";
import { detailScript } from "./client-detail.js";
import { listsScript } from "./client-lists.js";

const core = String.raw`
  "use strict";
  const KEY = "cronsumer.apiToken";
  const REFRESH_MS = Math.max(1, Number(document.body.dataset.refreshSeconds || "4")) * 1000;
  const $ = (id) => document.getElementById(id);
  const main = $("main"), login = $("login"), status = $("status"), notice = $("notice");
  const pauseButton = $("pause"), signoutButton = $("signout");
  const enc = encodeURIComponent;
  let timer = 0, paused = false, loading = false, cards = [], cost = 0;
  // Routes other features add (delayed messages, pause): read once from /openapi.json (no Redis command), so the page never asks a missing route.
  let routes = null;
  async function hasRoute(method, path) {
    if (!routes) routes = api("/openapi.json").then((doc) => doc.paths || {}, () => ({}));
    const ops = (await routes)[path];
    return Boolean(ops && ops[method]);
  }

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "onclick") el.addEventListener("click", v);
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  class Unauthorized extends Error {}
  const BASE = location.pathname.replace(/\/+$/, "");

  async function api(path, init) {
    const headers = { authorization: "Bearer " + (sessionStorage.getItem(KEY) || "") };
    if (init && init.body !== undefined) headers["content-type"] = "application/json";
    // Relative to where the page is served, so the API works mounted under a path (app.route("/queues", api)).
    const res = await fetch(BASE + path, Object.assign({ cache: "no-store" }, init, { headers }));
    cost += Number(res.headers.get("x-redis-commands") || 0);
    const access = res.headers.get("x-cronsumer-access");
    if (access) document.body.classList.toggle("read-only", access === "read");
    const body = await res.json().catch(() => null);
    const message = body && body.error && body.error.message ? body.error.message : "HTTP " + res.status;
    if (res.status === 401) throw new Unauthorized(message);
    if (!res.ok) throw Object.assign(new Error(path + ": " + message), { status: res.status, code: body && body.error ? body.error.code : "" });
    return body;
  }

  function duration(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "–";
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 3600000) return Math.round(ms / 60000) + " min";
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + " h";
    return (ms / 86400000).toFixed(1) + " d";
  }
  const time = (iso) => { const d = new Date(iso); return isNaN(d.getTime()) ? String(iso || "–") : d.toLocaleTimeString(); };
  const num = (v, attrs) => h("td", Object.assign({ class: "num" }, attrs), v === null || v === undefined ? "–" : String(v));
  const stat = (label, value, attrs) => h("div", Object.assign({ class: "stat" }, attrs), h("b", {}, String(value)), h("span", {}, label));

  // On a phone each row becomes a block of "label value" lines: cells carry their heading as data-label.
  function table(headings, rows, empty, attrs) {
    if (rows.length === 0) return h("p", Object.assign({}, attrs, { class: "empty" }), empty);
    for (const row of rows) Array.from(row.children).forEach((cell, i) => cell.setAttribute("data-label", headings[i] || ""));
    const numeric = (i) => Boolean(rows[0].children[i] && rows[0].children[i].classList.contains("num"));
    return h("div", { class: "scroll" }, h("table", attrs, h("thead", {}, h("tr", {}, headings.map((x, i) => h("th", { scope: "col", class: numeric(i) ? "num" : undefined }, x)))), h("tbody", {}, rows)));
  }

  async function loadFunction(fn) {
    const s = "/streams/" + enc(fn.stream), st = listState(fn.name);
    const [info, groups, dlqInfo, dead, series, delayed] = await Promise.all([
      api(s), api(s + "/groups"), api("/streams/" + enc(fn.deadLetterStream)), api(s + "/dead-letters?" + deadLetterQuery(st)),
      api("/functions/" + enc(fn.name) + "/series"), loadDelayed(fn.stream),
    ]);
    const perGroup = await Promise.all(groups.groups.map(async (g) => {
      const base = s + "/groups/" + enc(g.name);
      const [consumers, pending] = await Promise.all([api(base + "/consumers"), api(base + "/pending?" + pendingQuery(st, g.name))]);
      return { group: g, consumers, pending };
    }));
    return { fn, info, groups: perGroup, dlqInfo, dead, series, delayed, canPause: await hasRoute("post", "/functions/{name}/pause") };
  }

  async function loadDelayed(stream) {
    return (await hasRoute("get", "/streams/{stream}/delayed")) ? api("/streams/" + enc(stream) + "/delayed?limit=20") : null;
  }

  function renderGroup(stream, { group, consumers, pending }, st) {
    const pos = st.pending[group.name] || (st.pending[group.name] = { start: "-", back: [] });
    return [
      h("h3", {}, "Consumers of " + group.name),
      table(["consumer", "pending", "idle", ""], consumers.consumers.map((c) =>
        h("tr", { "data-consumer": c.name }, h("td", { class: "id" }, c.name), num(c.pending), num(duration(c.idleMs), { "data-idle-ms": c.idleMs }),
          h("td", {}, c.stale ? h("span", { class: "badge bad", title: "idle past " + duration(consumers.staleAfterMs) + " while holding pending entries" }, "stale") : ""))),
        "No consumers yet.", { "data-table": "consumers", "data-group": group.name }),
      h("h3", {}, "Pending in " + group.name + " (" + pending.summary.count + ")"),
      table(["id", "consumer", "idle", "deliveries", "last error"], pending.entries.map((p) =>
        h("tr", { "data-id": p.id }, h("td", { class: "id" }, idLink(stream, p.id)), h("td", { class: "id" }, p.consumer), num(duration(p.idleMs), { "data-idle-ms": p.idleMs }),
          num(p.deliveries, { "data-deliveries": p.deliveries }), lastErrorCell(p.lastError))),
        "Nothing pending.", { "data-table": "pending", "data-stream": stream, "data-group": group.name }),
      pager(pending, pos, "pending-" + group.name),
    ];
  }

  // What the entry's last failed attempt said, while it waits for its retry (see core/handle/attempt-errors.ts).
  function lastErrorCell(e) {
    if (!e) return h("td", { "data-last-error": "" }, "–");
    return h("td", { "data-last-error": e.error, "data-attempt": e.attempt }, h("span", { class: "badge bad" }, "attempt " + e.attempt), " ", e.error, h("div", { class: "sub" }, time(e.at)));
  }

  function runRow(r) {
    return h("tr", {}, h("td", { class: "nowrap" }, time(r.startedAt)), h("td", {}, r.trigger), num(r.read), num(r.reclaimed), num(r.acked), num(r.retried), num(r.deadLettered),
      num(duration(r.durationMs)), num(r.requests), h("td", {}, r.stopReason === "error" ? h("span", { class: "badge bad", title: r.error || "" }, "error") : r.stopReason));
  }

  function renderCard(fn, data, error) {
    const run = h("button", { type: "button", class: "write", "data-run": fn.name }, "Run now");
    run.addEventListener("click", () => runNow(fn.name, run));
    const toggle = h("button", { type: "button", class: "write", "data-pause-function": fn.name, hidden: !data || !data.canPause }, fn.paused ? "Resume function" : "Pause function");
    toggle.addEventListener("click", () => pauseFunction(fn, toggle));
    const head = [
      h("h2", { id: "fn-" + fn.name }, fn.name + " ", fn.skipped ? h("span", { class: "badge warn", title: fn.skipped }, "skipped") : "",
        fn.paused ? h("span", { class: "badge warn", "data-paused": "" }, "paused") : "",
        fn.error ? h("span", { class: "badge bad", title: fn.error }, "misconfigured") : ""),
      fn.skipped ? h("p", { class: "sub" }, "Skipped: " + fn.skipped) : "",
      h("p", { class: "sub" }, fn.stream + " → group " + fn.group + " · dead letters → " + fn.deadLetterStream + " · cron ", h("code", {}, (fn.crons || []).join(", "))),
      h("div", { class: "actions" }, run, toggle),
    ];
    const attrs = { class: "card", "data-function": fn.name, "aria-labelledby": "fn-" + fn.name };
    if (error) return h("section", attrs, head, h("p", { class: "error" }, error.message));
    const st = listState(fn.name);
    const pendingTotal = data.groups.reduce((n, g) => n + g.pending.summary.count, 0);
    const deadLetters = data.dead.entries;
    return h("section", attrs, head,
      renderWarnings(fn, data.series),
      h("div", { class: "stats" },
        stat("messages in " + fn.stream, data.info.length, { "data-stat": "length", "data-stream": fn.stream }),
        stat("groups", data.info.groups, { "data-stat": "groups", "data-stream": fn.stream }),
        stat("pending", pendingTotal, { "data-stat": "pending", "data-stream": fn.stream }),
        stat("dead letters in " + fn.deadLetterStream, data.dlqInfo.length, { "data-stat": "length", "data-stream": fn.deadLetterStream })),
      h("h3", {}, "Over time"),
      renderCharts(data.series),
      h("h3", {}, "Groups"),
      table(["group", "consumers", "pending", "last delivered", "lag"], data.groups.map(({ group: g }) =>
        h("tr", { "data-group": g.name }, h("td", { class: "id" }, g.name), num(g.consumers), num(g.pending), h("td", { class: "id" }, g.lastDeliveredId), num(g.lag))),
        "No group yet: it is created on the first run.", { "data-table": "groups", "data-stream": fn.stream }),
      data.groups.length ? pendingTools(fn, st) : "",
      data.groups.map((g) => renderGroup(fn.stream, g, st)),
      data.delayed ? [h("h3", {}, "Delayed (" + data.delayed.count + ")"),
        table(["id", "due", "fields"], data.delayed.items.map((d) => h("tr", { "data-id": d.id }, h("td", { class: "id" }, d.id), h("td", { class: "nowrap" }, new Date(d.dueAt).toLocaleString()), h("td", { class: "fields" }, JSON.stringify(d.fields)))),
          "Nothing delayed.", { "data-table": "delayed" })] : "",
      h("h3", {}, "Dead letters (" + data.dlqInfo.length + ")"),
      deadLetterTools(fn, st, fn.deadLetterStream),
      table(["", "id", "deliveries", "error and fields", "failed", ""], deadLetters.map((d) => deadLetterRow(fn.stream, d, st)),
        "No dead letters" + (Object.values(st.dlFilter).some(Boolean) ? " match." : "."), { "data-table": "dead-letters", "data-stream": fn.deadLetterStream }),
      pager(data.dead, st.dl, "dead-letters"),
      h("h3", {}, "Recent runs"),
      table(["started", "trigger", "read", "reclaimed", "acked", "retried", "dead-lettered", "took", "requests", "stop"], (fn.recentRuns || []).slice(0, 10).map(runRow),
        "No runs that did work yet.", { "data-table": "runs", class: "columns" }),
    );
  }

  function say(text, isError) {
    notice.hidden = !text;
    notice.textContent = text || "";
    notice.className = isError ? "error" : "sub";
  }

  async function refresh() {
    clearTimeout(timer);
    if (!sessionStorage.getItem(KEY) || loading) return;
    if (paused || document.hidden) return schedule();
    loading = true;
    cost = 0;
    try {
      const list = await api("/functions");
      const loaded = await Promise.all(list.functions.map((fn) => loadFunction(fn).then((data) => ({ fn, data }), (error) => ({ fn, error }))));
      const unauthorized = loaded.find((x) => x.error instanceof Unauthorized);
      if (unauthorized) throw unauthorized.error;
      const next = loaded.map(({ fn, data, error }) => renderCard(fn, data, error));
      for (const old of cards) old.remove();
      cards = next;
      main.append(...cards);
      status.textContent = "Updated " + new Date().toLocaleTimeString() + " · every " + REFRESH_MS / 1000 + " s while visible";
      $("cost").hidden = false;
      $("cost").dataset.commands = String(cost);
      $("cost").textContent = "This refresh: " + cost + " Redis commands (≈ " + Math.round(cost * 60000 / REFRESH_MS) + "/min while shown)";
    } catch (error) {
      if (error instanceof Unauthorized) return signOut("The API refused the token: " + error.message);
      status.textContent = "Refresh failed: " + error.message;
    } finally {
      loading = false;
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (sessionStorage.getItem(KEY)) timer = setTimeout(refresh, REFRESH_MS);
  }

  async function replay(stream, id, button) {
    button.disabled = true;
    try {
      const { replayed } = await api("/streams/" + enc(stream) + "/dead-letters/replay", { method: "POST", body: JSON.stringify({ ids: [id] }) });
      say(replayed.map((r) => "Replayed " + r.deadLetterId + " onto " + r.stream + " as " + r.newId + ".").join(" "), false);
    } catch (error) {
      button.disabled = false;
      say("Replay of " + id + " failed: " + error.message, true);
    }
    refresh();
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
    refresh();
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
    refresh();
  }

  function showSignedIn(signedIn) {
    login.hidden = signedIn;
    pauseButton.hidden = !signedIn;
    signoutButton.hidden = !signedIn;
    main.classList.toggle("signed-in", signedIn);
  }

  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    clearTimeout(timer);
    for (const old of cards) old.remove();
    cards = [];
    routes = null;
    say("", false);
    detail.hidden = true;
    $("cost").hidden = true;
    document.body.classList.remove("read-only");
    showSignedIn(false);
    status.textContent = "Not signed in";
    const err = $("login-error");
    err.hidden = !reason;
    err.textContent = reason || "";
  }

  login.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY, value);
    $("token").value = "";
    $("login-error").hidden = true;
    showSignedIn(true);
    status.textContent = "Loading…";
    refresh();
  });
  signoutButton.addEventListener("click", () => signOut(""));
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    if (paused) status.textContent = "Paused";
    refresh();
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });

`;

/** Runs last, once every module's bindings exist. */
const start = String.raw`
  if (sessionStorage.getItem(KEY)) {
    showSignedIn(true);
    status.textContent = "Loading…";
    refresh();
  }
`;

export const clientScript = "\n(() => {\n" + core + detailScript + listsScript + chartsScript + start + "})();\n";
