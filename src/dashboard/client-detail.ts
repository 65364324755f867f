/**
 * Browser code (a string, see client.ts): the message inspector, a drawer
 * named in the URL (`#/<fn>/<tab>/<stream>/<id>`). It reads
 * `GET /streams/:stream/messages/:id`, which delivers nothing, and shows the
 * fields (pretty-printed when a value is JSON), deliveries, idle time, the
 * last error and the error history the run reports hold; a dead letter
 * shows its source. Actions: Replay and Delete (dead letters), and Copy as
 * curl: the enqueue request for the same fields, with an Idempotency-Key.
 * It is read once when opened, not on every refresh.
 */
export const detailScript = String.raw`
  const drawer = $("drawer");
  let drawerFor = "", returnFocus = null;

  function openMessage(stream, id) {
    const r = route();
    returnFocus = document.activeElement;
    go({ fn: r.fn, tab: r.tab, stream, id });
  }

  function closeDrawer(updateHash) {
    drawer.hidden = true;
    drawer.replaceChildren();
    drawerFor = "";
    document.body.classList.remove("drawer-open");
    if (updateHash) {
      const r = route();
      if (r.id) go({ fn: r.fn, tab: r.tab });
    }
    // Refreshes rebuild the list behind the drawer: fall back to the row of the same id.
    const id = returnFocus && returnFocus.getAttribute ? returnFocus.getAttribute("data-id") : null;
    const back = returnFocus && document.contains(returnFocus) ? returnFocus : id ? viewEl.querySelector('[data-row][data-id="' + CSS.escape(id) + '"]') : null;
    if (back) back.focus();
    returnFocus = null;
  }

  function syncDrawer() {
    const r = route();
    if (!r.id) { if (!drawer.hidden) closeDrawer(false); return; }
    if (drawerFor === r.stream + " " + r.id) return;
    drawerFor = r.stream + " " + r.id;
    showMessage(r.stream, r.id);
  }

  // A value that is JSON (an object or array) is shown indented; anything else as it is.
  function fieldValue(v) {
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
      try { return h("pre", { class: "json" }, JSON.stringify(JSON.parse(v), null, 2)); } catch { /* not JSON */ }
    }
    return h("span", { class: "fields" }, String(v));
  }
  function fieldList(fields) {
    const keys = Object.keys(fields || {});
    if (keys.length === 0) return h("p", { class: "sub" }, "No fields.");
    return h("dl", { class: "kv", "data-fields": "" }, keys.map((k) => [h("dt", {}, k), h("dd", { "data-field": k }, fieldValue(fields[k]))]));
  }

  // A payload: "json" stream takes { body, headers }: the body parsed, every other field a string header.
  function enqueueBody(m, fields) {
    if (!("body" in m)) return fields;
    const headers = {};
    for (const [k, v] of Object.entries(fields || {})) if (k !== "body" && !k.startsWith("cronsumer-")) headers[k] = v;
    return Object.keys(headers).length ? { body: m.body, headers } : { body: m.body };
  }

  // A lane's message is enqueued through its function's stream, with its priority (api/lane-target.ts).
  function curlFor(stream, fields, key, lane) {
    const q = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
    const path = lane ? "/streams/" + enc(lane.stream) + "/messages?priority=" + enc(lane.name) : "/streams/" + enc(stream) + "/messages";
    return ["curl -X POST " + q(location.origin + BASE + path),
      "  -H 'Authorization: Bearer '\"$CRONSUMER_API_TOKEN\"",
      "  -H 'Content-Type: application/json'",
      "  -H " + q("Idempotency-Key: " + key),
      "  --data " + q(JSON.stringify(fields))].join(" \\\n");
  }

  async function showMessage(stream, id) {
    drawer.hidden = false;
    document.body.classList.add("drawer-open");
    const close = h("button", { type: "button", class: "close", "data-close": "", "aria-label": "Close message" }, "×");
    close.addEventListener("click", () => closeDrawer(true));
    drawer.replaceChildren(h("div", { class: "drawer-head" }, h("h2", { id: "drawer-title" }, "Message ", h("code", {}, id)), close), h("p", { class: "sub" }, "Loading…"));
    close.focus();
    try {
      const m = await api("/streams/" + enc(stream) + "/messages/" + enc(id));
      if (drawerFor !== stream + " " + id) return;
      const dl = m.deadLetter;
      const fields = dl ? dl.fields : m.fields;
      const source = dl ? dl.stream : m.stream;
      const key = dl ? "replay-" + m.stream + "-" + m.id : "copy-" + m.stream + "-" + m.id;
      const curl = curlFor(source, enqueueBody(m, fields), key, m.lane);
      const actions = [];
      if (dl) {
        const rb = h("button", { type: "button", class: "write primary", "data-drawer-replay": m.id }, "Replay");
        rb.addEventListener("click", async () => { if (await replay(m.stream, m.id, rb)) closeDrawer(true); });
        const db = h("button", { type: "button", class: "write", "data-drawer-delete": m.id }, "Delete");
        db.addEventListener("click", async () => {
          if (!confirm("Delete dead letter " + m.id + " for good?")) return;
          try { await api("/streams/" + enc(m.stream) + "/dead-letters/delete", { method: "POST", body: JSON.stringify({ ids: [m.id] }) }); say("Deleted " + m.id + ".", false); closeDrawer(true); } catch (error) { say(error.message, true); }
          soon();
        });
        actions.push(rb, db);
      }
      const cb = h("button", { type: "button", "data-copy-curl": "" }, "Copy as curl");
      const copied = h("span", { class: "sub", role: "status" });
      cb.addEventListener("click", async () => {
        try { await navigator.clipboard.writeText(curl); copied.textContent = "Copied."; } catch { copied.textContent = "Select the text below to copy it."; }
      });
      actions.push(cb, copied);
      const pendingRows = m.groups.map((g) => h("tr", { "data-group": g.group },
        h("td", { class: "id" }, g.group), h("td", { class: "id" }, g.pending ? g.pending.consumer : "acknowledged or not read yet"),
        num(g.pending ? duration(g.pending.idleMs) : null, { "data-idle-ms": g.pending ? g.pending.idleMs : "" }), num(g.pending ? g.pending.deliveries : null, { "data-deliveries": g.pending ? g.pending.deliveries : "" }),
        h("td", {}, g.lastError ? "attempt " + g.lastError.attempt + ": " + g.lastError.error : "–")));
      drawer.replaceChildren(drawer.firstChild, h("div", { class: "drawer-body" },
        h("p", { class: "sub" }, m.stream + " · enqueued ", ago(m.enqueuedAt)),
        dl ? h("div", { class: "callout", "data-dead-letter": "" }, h("span", { class: "badge bad" }, "dead letter"), " from ", h("code", { "data-source": dl.stream }, dl.stream), " (was ", h("code", {}, dl.originalId), "), group " + dl.group + ", " + dl.deliveries + " deliveries, failed ", ago(dl.failedAt),
          h("p", { class: "error", "data-dl-error": "" }, dl.error)) : "",
        h("div", { class: "actions" }, actions),
        "body" in m ? [h("h3", {}, "Body"), h("pre", { class: "json", "data-body": "" }, JSON.stringify(m.body, null, 2))] : "",
        m.bodyError ? h("p", { class: "error", "data-body-error": "" }, "Body does not parse: " + m.bodyError) : "",
        h("h3", {}, "body" in m ? "Fields (the stored entry)" : "Fields"),
        fieldList(fields),
        m.groups.length ? [h("h3", {}, "Deliveries"), table(["group", "consumer", "idle", "deliveries", "last error"], pendingRows, "", { "data-table": "message-groups" })] : "",
        h("h3", {}, "Error history (from run reports)"),
        table(["run started", "consumer", "attempt", "error"], m.history.map((e) => h("tr", {}, h("td", { class: "nowrap" }, ago(e.at)), h("td", { class: "id" }, e.consumer), num(e.attempt), h("td", {}, e.error))),
          emptyState("No failed attempt recorded", "The stored run reports (the newest 50 runs that did work) hold no failure of this message."), { "data-table": "history" }),
        h("h3", {}, "Enqueue it again"),
        h("pre", { class: "curl", "data-curl": "", tabindex: 0, "aria-label": "curl command" }, curl)));
    } catch (error) {
      if (drawerFor === stream + " " + id) drawer.replaceChildren(drawer.firstChild, h("p", { class: "error" }, error.message));
    }
  }
`;
