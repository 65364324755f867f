/**
 * The dashboard's browser script, inlined under the CSP nonce. It is a plain
 * string (not a function's source) so the bundler cannot rewrite it, and it
 * uses no template literals so it fits in one.
 *
 * Safety: the token lives in sessionStorage and travels only in the
 * Authorization header, never in a URL. Every value from the API reaches the
 * page as text (`append(string)`, `textContent`), never as HTML.
 *
 * Cost: each refresh is about 1 + 6 requests per function, each a Redis
 * command or two; refreshes pause while the tab is hidden or paused.
 */
export const clientScript = String.raw`
(() => {
  "use strict";
  const KEY = "cronsumer.apiToken";
  const REFRESH_MS = Math.max(1, Number(document.body.dataset.refreshSeconds || "4")) * 1000;
  const $ = (id) => document.getElementById(id);
  const main = $("main"), login = $("login"), status = $("status"), notice = $("notice");
  const pauseButton = $("pause"), signoutButton = $("signout");
  const enc = encodeURIComponent;
  let timer = 0, paused = false, loading = false, cards = [];

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
    const body = await res.json().catch(() => null);
    const message = body && body.error && body.error.message ? body.error.message : "HTTP " + res.status;
    if (res.status === 401) throw new Unauthorized(message);
    if (!res.ok) throw new Error(path + ": " + message);
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
    const s = "/streams/" + enc(fn.stream);
    const [info, groups, dlqInfo, dead] = await Promise.all([
      api(s), api(s + "/groups"), api("/streams/" + enc(fn.deadLetterStream)), api(s + "/dead-letters?count=50"),
    ]);
    const perGroup = await Promise.all(groups.groups.map(async (g) => {
      const base = s + "/groups/" + enc(g.name);
      const [consumers, pending] = await Promise.all([api(base + "/consumers"), api(base + "/pending?count=50")]);
      return { group: g, consumers, pending };
    }));
    return { fn, info, groups: perGroup, dlqInfo, dead };
  }

  function renderGroup(stream, { group, consumers, pending }) {
    return [
      h("h3", {}, "Consumers of " + group.name),
      table(["consumer", "pending", "idle", ""], consumers.consumers.map((c) =>
        h("tr", { "data-consumer": c.name }, h("td", { class: "id" }, c.name), num(c.pending), num(duration(c.idleMs), { "data-idle-ms": c.idleMs }),
          h("td", {}, c.stale ? h("span", { class: "badge bad", title: "idle past " + duration(consumers.staleAfterMs) + " while holding pending entries" }, "stale") : ""))),
        "No consumers yet.", { "data-table": "consumers", "data-group": group.name }),
      h("h3", {}, "Pending in " + group.name + " (" + pending.summary.count + ")"),
      table(["id", "consumer", "idle", "deliveries", "last error"], pending.entries.map((p) =>
        h("tr", { "data-id": p.id }, h("td", { class: "id" }, p.id), h("td", { class: "id" }, p.consumer), num(duration(p.idleMs), { "data-idle-ms": p.idleMs }),
          num(p.deliveries, { "data-deliveries": p.deliveries }), lastErrorCell(p.lastError))),
        "Nothing pending.", { "data-table": "pending", "data-stream": stream, "data-group": group.name }),
      pending.next ? h("p", { class: "sub" }, "Showing the first " + pending.entries.length + " of " + pending.summary.count + ".") : "",
    ];
  }

  // What the entry's last failed attempt said, while it waits for its retry (see core/attempt-errors.ts).
  function lastErrorCell(e) {
    if (!e) return h("td", { "data-last-error": "" }, "–");
    return h("td", { "data-last-error": e.error, "data-attempt": e.attempt }, h("span", { class: "badge bad" }, "attempt " + e.attempt), " ", e.error, h("div", { class: "sub" }, time(e.at)));
  }

  function deadLetterRow(stream, d) {
    if (d.malformed) {
      return h("tr", { "data-id": d.id }, h("td", { class: "id" }, d.id), h("td", { colspan: 4 }, h("span", { class: "badge warn" }, "not a cronsumer dead letter"), h("div", { class: "fields" }, JSON.stringify(d.fields))));
    }
    const button = h("button", { type: "button", "data-replay": d.id, "aria-label": "Replay dead letter " + d.id }, "Replay");
    button.addEventListener("click", () => replay(stream, d.id, button));
    return h("tr", { "data-id": d.id },
      h("td", { class: "id" }, d.id, h("div", { class: "sub" }, "was " + d.originalId)),
      num(d.deliveries, { "data-deliveries": d.deliveries }),
      h("td", {}, d.error, h("div", { class: "fields" }, JSON.stringify(d.fields))),
      h("td", { class: "nowrap" }, time(d.failedAt)),
      h("td", {}, button));
  }

  function runRow(r) {
    return h("tr", {}, h("td", { class: "nowrap" }, time(r.startedAt)), h("td", {}, r.trigger), num(r.read), num(r.reclaimed), num(r.acked), num(r.retried), num(r.deadLettered),
      num(duration(r.durationMs)), num(r.requests), h("td", {}, r.stopReason === "error" ? h("span", { class: "badge bad", title: r.error || "" }, "error") : r.stopReason));
  }

  function renderCard(fn, data, error) {
    const run = h("button", { type: "button", "data-run": fn.name }, "Run now");
    run.addEventListener("click", () => runNow(fn.name, run));
    const head = [
      h("h2", { id: "fn-" + fn.name }, fn.name + " ", fn.skipped ? h("span", { class: "badge warn", title: fn.skipped }, "skipped") : "",
        fn.error ? h("span", { class: "badge bad", title: fn.error }, "misconfigured") : ""),
      fn.skipped ? h("p", { class: "sub" }, "Skipped: " + fn.skipped) : "",
      h("p", { class: "sub" }, fn.stream + " → group " + fn.group + " · dead letters → " + fn.deadLetterStream + " · cron ", h("code", {}, (fn.crons || []).join(", "))),
      run,
    ];
    const attrs = { class: "card", "data-function": fn.name, "aria-labelledby": "fn-" + fn.name };
    if (error) return h("section", attrs, head, h("p", { class: "error" }, error.message));
    const pendingTotal = data.groups.reduce((n, g) => n + g.pending.summary.count, 0);
    const deadLetters = data.dead.entries;
    return h("section", attrs, head,
      h("div", { class: "stats" },
        stat("messages in " + fn.stream, data.info.length, { "data-stat": "length", "data-stream": fn.stream }),
        stat("groups", data.info.groups, { "data-stat": "groups", "data-stream": fn.stream }),
        stat("pending", pendingTotal, { "data-stat": "pending", "data-stream": fn.stream }),
        stat("dead letters in " + fn.deadLetterStream, data.dlqInfo.length, { "data-stat": "length", "data-stream": fn.deadLetterStream })),
      h("h3", {}, "Groups"),
      table(["group", "consumers", "pending", "last delivered", "lag"], data.groups.map(({ group: g }) =>
        h("tr", { "data-group": g.name }, h("td", { class: "id" }, g.name), num(g.consumers), num(g.pending), h("td", { class: "id" }, g.lastDeliveredId), num(g.lag))),
        "No group yet: it is created on the first run.", { "data-table": "groups", "data-stream": fn.stream }),
      data.groups.map((g) => renderGroup(fn.stream, g)),
      h("h3", {}, "Dead letters (" + data.dlqInfo.length + ")"),
      table(["id", "deliveries", "error and fields", "failed", ""], deadLetters.map((d) => deadLetterRow(fn.stream, d)),
        "No dead letters.", { "data-table": "dead-letters", "data-stream": fn.deadLetterStream }),
      data.dead.next ? h("p", { class: "sub" }, "Showing the oldest " + deadLetters.length + " of " + data.dlqInfo.length + ".") : "",
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
    try {
      const list = await api("/functions");
      const loaded = await Promise.all(list.functions.map((fn) => loadFunction(fn).then((data) => ({ fn, data }), (error) => ({ fn, error }))));
      const unauthorized = loaded.find((x) => x.error instanceof Unauthorized);
      if (unauthorized) throw unauthorized.error;
      const next = loaded.map(({ fn, data, error }) => renderCard(fn, data, error));
      for (const old of cards) old.remove();
      cards = next;
      main.append(...cards);
      status.textContent = "Updated " + new Date().toLocaleTimeString() + " · every " + REFRESH_MS / 1000 + " s";
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
    say("", false);
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

  if (sessionStorage.getItem(KEY)) {
    showSignedIn(true);
    status.textContent = "Loading…";
    refresh();
  }
})();
`;
