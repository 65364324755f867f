/**
 * The console's browser script, inlined under the CSP nonce. It is a plain
 * string (not a function's source) so the bundler cannot rewrite it, and it
 * uses no template literals so it fits in one.
 *
 * Safety: the token lives in sessionStorage and travels only in the
 * Authorization header, never in a URL. Every value from the API reaches the
 * page as text (`append(string)`, `textContent`), never as HTML.
 *
 * Routing: `#/<function>/<tab>` names a view, and `…/<stream>/<id>` adds the
 * message drawer, so a link can be shared and the back button works.
 *
 * Cost: one refresh is `GET /functions/:name/view` (one Redis request), plus
 * the open tab's list route on the list tabs. Refreshes come every
 * `refreshSeconds` while what the page shows changes, back off (doubling) to
 * `idleSeconds` while it does not, and stop while the tab is hidden. The
 * header sums X-Redis-Commands over the last minute shown.
 *
 * Read-only: when the API says the token may only read (X-Cronsumer-Access),
 * everything marked `.write` is hidden.
 *
 * The sidebar, views, charts, lists and drawer live in their own modules,
 * spliced in below; they share this scope (h, api, refresh, say, route).
 */
import { chartsScript } from "./client-charts.js";
import { detailScript } from "./client-detail.js";
import { formatScript } from "./client-format.js";
import { listsScript } from "./client-lists.js";
import { tabsScript } from "./client-tabs.js";
import { viewScript } from "./client-view.js";

const core = String.raw`
  "use strict";
  const KEY = "cronsumer.apiToken";
  const FAST_MS = Math.max(1, Number(document.body.dataset.refreshSeconds || "3")) * 1000;
  const IDLE_MS = Math.max(FAST_MS / 1000, Number(document.body.dataset.idleSeconds || "30")) * 1000;
  const $ = (id) => document.getElementById(id);
  const viewEl = $("view"), sidebar = $("sidebar"), login = $("login"), status = $("status"), notice = $("notice");
  const pauseButton = $("pause"), signoutButton = $("signout"), menuButton = $("menu");
  const enc = encodeURIComponent;
  let timer = 0, paused = false, loading = false, again = false, intervalMs = FAST_MS, lastPrint = "", spent = [];
  let names = [];

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (v === true) el.setAttribute(k, "");
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
    spend(Number(res.headers.get("x-redis-commands") || 0));
    const access = res.headers.get("x-cronsumer-access");
    if (access) document.body.classList.toggle("read-only", access === "read");
    const body = await res.json().catch(() => null);
    const message = body && body.error && body.error.message ? body.error.message : "HTTP " + res.status;
    if (res.status === 401) throw new Unauthorized(message);
    if (!res.ok) throw Object.assign(new Error(path + ": " + message), { status: res.status, code: body && body.error ? body.error.code : "" });
    return body;
  }

  // Commands per minute while shown: what the answers of the last 60 s said they cost.
  function spend(commands) {
    const now = Date.now();
    spent.push([now, commands]);
    spent = spent.filter((x) => now - x[0] < 60000);
    const sum = spent.reduce((n, x) => n + x[1], 0);
    const cost = $("cost");
    cost.hidden = false;
    cost.dataset.commandsPerMinute = String(sum);
    cost.textContent = sum + " Redis commands/min";
  }

  // The route: #/<function>/<tab>[/<stream>/<id>]
  const TABS = [["overview", "Overview"], ["pending", "Pending"], ["delayed", "Delayed"], ["dead-letters", "Dead letters"], ["runs", "Runs"], ["settings", "Settings"]];
  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").map((p) => { try { return decodeURIComponent(p); } catch { return ""; } });
    const tab = TABS.some((t) => t[0] === parts[1]) ? parts[1] : "overview";
    return { fn: parts[0] || "", tab, stream: parts[2] || "", id: parts[3] || "" };
  }
  function go(r) {
    const hash = "#/" + [r.fn, r.tab || "overview"].concat(r.id ? [r.stream, r.id] : []).map(enc).join("/");
    if (location.hash !== hash) location.hash = hash;
  }

  function say(text, isError) {
    notice.hidden = !text;
    notice.textContent = text || "";
    notice.className = isError ? "error" : "sub";
  }

  async function refresh() {
    clearTimeout(timer);
    if (!sessionStorage.getItem(KEY)) return;
    if (loading) { again = true; return; }
    if (paused || document.hidden) return;
    loading = true;
    try {
      let r = route();
      if (!r.fn) {
        // Only the first visit without a link: which functions are there.
        if (names.length === 0) names = (await api("/functions")).functions.map((f) => f.name);
        if (names.length === 0) { showEmpty(); return; }
        r = Object.assign(r, { fn: names[0] });
        history.replaceState(null, "", "#/" + enc(r.fn) + "/overview");
      }
      const data = await api("/functions/" + enc(r.fn) + "/view?tab=" + r.tab);
      names = data.sidebar.map((s) => s.name);
      const list = await loadTab(r, data);
      renderSidebar(data.sidebar, r);
      renderView(r, data, list);
      const print = JSON.stringify([data.sidebar.map((s) => [s.name, s.state, s.pending, s.lag, s.deadLetters, s.lastRunAt]), list, r.tab, data.function.recentRuns && data.function.recentRuns.length ? data.function.recentRuns[0].startedAt : ""]);
      // Something changed: look again soon. Nothing did: look half as often, down to IDLE_MS.
      intervalMs = print === lastPrint ? Math.min(IDLE_MS, intervalMs * 2) : FAST_MS;
      lastPrint = print;
      document.body.dataset.intervalMs = String(intervalMs);
      status.textContent = "Updated " + new Date().toLocaleTimeString() + " · next in " + Math.round(intervalMs / 1000) + " s";
      status.title = intervalMs === FAST_MS ? "Something changed: refreshing every " + FAST_MS / 1000 + " s" : "Nothing changed: backing off to every " + IDLE_MS / 1000 + " s";
    } catch (error) {
      if (error instanceof Unauthorized) return signOut("The API refused the token: " + error.message);
      if (error.status === 404 && error.code === "function_not_found") { names = []; history.replaceState(null, "", "#/"); loading = false; return refresh(); }
      status.textContent = "Refresh failed: " + error.message;
    } finally {
      loading = false;
    }
    if (again) { again = false; return refresh(); }
    schedule();
  }

  // A change made here (replay, run, pause) is something changing: look again soon.
  function soon() { intervalMs = FAST_MS; lastPrint = ""; refresh(); }

  function schedule() {
    clearTimeout(timer);
    if (sessionStorage.getItem(KEY) && !paused) timer = setTimeout(refresh, intervalMs);
  }

  function showEmpty() {
    sidebar.replaceChildren(h("p", { class: "empty" }, "No functions."));
    viewEl.hidden = false;
    viewEl.replaceChildren(h("div", { class: "card" }, h("h2", {}, "No polling functions"), h("p", {}, "This Worker exports no functions. Define one with defineFunction() and add it to the Worker's functions (README: Writing a polling function).")));
  }

  function showSignedIn(signedIn) {
    login.hidden = signedIn;
    for (const b of [pauseButton, signoutButton, menuButton]) b.hidden = !signedIn;
    sidebar.hidden = !signedIn;
    viewEl.hidden = !signedIn;
    document.body.classList.toggle("signed-in", signedIn);
  }

  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    clearTimeout(timer);
    sidebar.replaceChildren();
    viewEl.replaceChildren();
    names = [];
    lastPrint = "";
    say("", false);
    closeDrawer(false);
    $("cost").hidden = true;
    spent = [];
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
    soon();
  });
  signoutButton.addEventListener("click", () => signOut(""));
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-label", paused ? "Resume refresh" : "Pause refresh");
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (paused) { clearTimeout(timer); status.textContent = "Refresh paused"; } else soon();
  });
  menuButton.addEventListener("click", () => toggleMenu());
  function toggleMenu(open) {
    const show = open === undefined ? !document.body.classList.contains("menu-open") : open;
    document.body.classList.toggle("menu-open", show);
    menuButton.setAttribute("aria-expanded", String(show));
    if (show) { const a = sidebar.querySelector("a[aria-current]") || sidebar.querySelector("a"); if (a) a.focus(); }
  }
  document.addEventListener("visibilitychange", () => { if (document.hidden) clearTimeout(timer); else soon(); });
  window.addEventListener("hashchange", () => { toggleMenu(false); syncDrawer(); lastPrint = ""; refresh(); });
`;

/** Runs last, once every module's bindings exist. */
const start = String.raw`
  if (sessionStorage.getItem(KEY)) {
    showSignedIn(true);
    status.textContent = "Loading…";
    syncDrawer();
    refresh();
  }
`;

export const clientScript = "\n(() => {\n" + core + formatScript + viewScript + tabsScript + listsScript + chartsScript + detailScript + start + "})();\n";
