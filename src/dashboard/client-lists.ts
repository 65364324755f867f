/**
 * Browser code (a string, see client.ts): the list tabs. Paged, filtered
 * pending entries and dead letters (with selection and bulk actions), and
 * delayed messages. Filter forms are built once per function and kept
 * across refreshes, so typing is never interrupted; the rows are rebuilt
 * from the API on each refresh. Every id opens the message drawer. A
 * function with priority lanes lists one lane at a time (pending and
 * delayed are per stream), picked above the list, highest first.
 */
export const listsScript = String.raw`
  const PAGE = 50;
  const lists = {};
  function listState(name) {
    if (!lists[name]) lists[name] = { dl: { start: "-", back: [] }, dlFilter: {}, selected: new Set(), pending: { start: "-", back: [] }, pendingFilter: {} };
    return lists[name];
  }
  function query(params) {
    return Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => enc(k) + "=" + enc(v)).join("&");
  }
  // The stream the Pending and Delayed tabs list: the picked lane's, or the function's own.
  function listedStream(fn) {
    return listState(fn.name).lane || fn.stream;
  }
  function lanePicker(fn) {
    if (!fn.lanes) return "";
    const st = listState(fn.name), shown = listedStream(fn);
    return h("div", { class: "lanes", role: "group", "aria-label": "Lane of " + fn.name }, "Lane: ", fn.lanes.map((l) => {
      const b = h("button", { type: "button", "data-lane-pick": l.name, "aria-pressed": String(l.stream === shown), title: l.stream }, l.name + (l.default ? " (default)" : ""));
      b.addEventListener("click", () => { st.lane = l.stream; st.pending = { start: "-", back: [] }; soon(); });
      return b;
    }));
  }
  function idLink(stream, id) {
    const a = h("a", { href: "#/" + [route().fn, route().tab, stream, id].map(enc).join("/"), class: "id-link", "data-open": id, tabindex: -1 }, id);
    return a;
  }

  function filterForm(fields, onApply, label) {
    const inputs = fields.map(([name, text, type]) => h("label", { class: "filter" }, text, h("input", { name, type: type || "text", size: 10, "data-filter": name })));
    const form = h("form", { class: "filters", "aria-label": label }, inputs, h("button", { type: "submit" }, "Filter"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const values = {};
      for (const i of form.querySelectorAll("input")) values[i.name] = i.value.trim();
      onApply(values);
    });
    return form;
  }

  // pos is { start, back }: the page's first id and the starts of the pages before it.
  function pager(page, pos, label) {
    const prev = h("button", { type: "button", "data-page": "prev", disabled: pos.back.length === 0 }, "‹ Prev");
    const next = h("button", { type: "button", "data-page": "next", disabled: !page.next }, "Next ›");
    prev.addEventListener("click", () => { pos.start = pos.back.pop() || "-"; soon(); });
    next.addEventListener("click", () => { pos.back.push(pos.start); pos.start = page.next; soon(); });
    return h("div", { class: "pager", "data-pager": label }, prev, h("span", { class: "sub", "data-page-number": pos.back.length + 1 }, "page " + (pos.back.length + 1)), next);
  }

  function loadPending(fn) {
    const st = listState(fn.name);
    return api("/streams/" + enc(listedStream(fn)) + "/groups/" + enc(fn.group) + "/pending?" + query(Object.assign({ count: PAGE, start: st.pending.start }, st.pendingFilter)))
      .catch((error) => { if (error.status === 404) return null; throw error; });
  }

  function renderPending(fn, page) {
    const st = listState(fn.name);
    if (!st.pendingForm) {
      st.pendingForm = filterForm([["consumer", "consumer"], ["minIdleMs", "min idle ms", "number"], ["minDeliveries", "min deliveries", "number"]], (v) => {
        st.pendingFilter = v; st.pending = { start: "-", back: [] }; soon();
      }, "Filter pending entries of " + fn.name);
    }
    const stream = listedStream(fn);
    if (!page) return [lanePicker(fn), h("div", { class: "empty-state" }, emptyState("No group yet", "The group " + fn.group + " is created on " + stream + " on the first run."))];
    const filtered = Object.values(st.pendingFilter).some(Boolean);
    return [
      lanePicker(fn),
      h("p", { class: "sub" }, page.summary.count + " pending in " + fn.group + (fn.lanes ? " on " + stream : "") + " across " + page.summary.consumers.length + " consumers. Entries wait here while a run handles them or until their retry is due."),
      st.pendingForm,
      table(["id", "consumer", "idle", "deliveries", "last error"], page.entries.map((p) =>
        openRow({}, stream, p.id, [h("td", { class: "id" }, idLink(stream, p.id)), h("td", { class: "id" }, p.consumer), num(duration(p.idleMs), { "data-idle-ms": p.idleMs }),
          num(p.deliveries, { "data-deliveries": p.deliveries }), lastErrorCell(p.lastError)])),
        emptyState(filtered ? "No pending entry matches" : "Nothing pending", filtered ? "Clear the filter to see every entry." : "Every message read so far is acknowledged. Entries show here while they are handled or wait for a retry."),
        { "data-table": "pending", "data-stream": stream, "data-group": fn.group }),
      pager(page, st.pending, "pending"),
    ];
  }

  // What the entry's last failed attempt said, while it waits for its retry (see core/handle/attempt-errors.ts).
  function lastErrorCell(e) {
    if (!e) return h("td", { "data-last-error": "" }, "–");
    return h("td", { "data-last-error": e.error, "data-attempt": e.attempt }, h("span", { class: "badge bad" }, "attempt " + e.attempt), " ", e.error, h("div", { class: "sub" }, ago(e.at)));
  }

  function renderDelayed(fn, page) {
    const stream = listedStream(fn);
    return [
      lanePicker(fn),
      h("p", { class: "sub" }, page.count + " delayed. They move onto " + stream + " when due."),
      table(["id", "due", "fields"], page.items.map((d) => h("tr", { "data-id": d.id, tabindex: 0, "data-row": "" }, h("td", { class: "id" }, d.id), h("td", { class: "nowrap" }, ago(d.dueAt)), h("td", { class: "fields" }, JSON.stringify(d.fields)))),
        emptyState("Nothing delayed", "Enqueue with a delay (POST /streams/" + fn.stream + "/messages with delayMs) and it waits here until due."), { "data-table": "delayed", "data-stream": stream }),
    ];
  }

  function deadLetterQuery(st) {
    const f = st.dlFilter;
    const ms = (v) => (v ? String(new Date(v).getTime()) : undefined);
    return query({ count: PAGE, start: st.dl.start, q: f.q, source: f.source, from: ms(f.from), to: ms(f.to) });
  }
  function loadDeadLetters(fn) {
    return api("/streams/" + enc(fn.deadLetterStream) + "/dead-letters?" + deadLetterQuery(listState(fn.name)));
  }

  function renderDeadLetters(fn, page) {
    const st = listState(fn.name), dlq = fn.deadLetterStream;
    if (!st.dlForm) {
      st.dlForm = filterForm([["q", "error"], ["source", "source"], ["from", "from", "datetime-local"], ["to", "to", "datetime-local"]], (v) => {
        st.dlFilter = v; st.dl = { start: "-", back: [] }; st.selected.clear(); soon();
      }, "Filter dead letters of " + fn.name);
    }
    // Read at click time: boxes checked since this render count too.
    const selected = () => Array.from(st.selected);
    const bulk = (label, attr, action) => {
      const b = h("button", { type: "button", class: "write", [attr]: fn.name }, label);
      b.addEventListener("click", action);
      return b;
    };
    const filtered = Object.values(st.dlFilter).some(Boolean);
    return [
      h("div", { class: "toolbar" }, st.dlForm,
        h("div", { class: "bulk" },
          bulk("Replay selected", "data-bulk-replay", () => bulkAction("Replay " + selected().length + " dead letters?", "/replay", { ids: selected() }, st, dlq, "replayed")),
          bulk("Delete selected", "data-bulk-delete", () => bulkAction("Delete " + selected().length + " dead letters for good?", "/delete", { ids: selected() }, st, dlq, "deleted")),
          bulk("Replay all matching", "data-replay-matching", () => bulkAction("Replay up to 1000 dead letters matching the filter?", "/replay", { match: matchBody(st.dlFilter), limit: 1000 }, st, dlq, "replayed")),
          bulk("Purge", "data-purge", () => bulkAction("Delete every dead letter in " + dlq + " for good?", "/purge", { confirm: dlq }, st, dlq, "purged")))),
      table(["", "id", "deliveries", "error", "failed", ""], page.entries.map((d) => deadLetterRow(fn, d, st)),
        emptyState(filtered ? "No dead letter matches" : "No dead letters", filtered ? "Clear the filter to see them all." : "A message lands here after its last allowed attempt fails. Fix the cause, then replay it from here."),
        { "data-table": "dead-letters", "data-stream": dlq, class: "dl" }),
      pager(page, st.dl, "dead-letters"),
    ];
  }

  function deadLetterRow(fn, d, st) {
    const dlq = fn.deadLetterStream;
    if (d.malformed) {
      return openRow({}, dlq, d.id, [h("td", {}, ""), h("td", { class: "id" }, idLink(dlq, d.id)), h("td", { colspan: 4 }, h("span", { class: "badge warn" }, "not a cronsumer dead letter"), h("div", { class: "fields" }, JSON.stringify(d.fields)))]);
    }
    const box = h("input", { type: "checkbox", class: "write", "data-select": d.id, "aria-label": "Select " + d.id, checked: st.selected.has(d.id) });
    box.addEventListener("change", () => { box.checked ? st.selected.add(d.id) : st.selected.delete(d.id); });
    const button = h("button", { type: "button", class: "write", "data-replay": d.id, "aria-label": "Replay dead letter " + d.id }, "Replay");
    button.addEventListener("click", () => replay(dlq, d.id, button));
    return openRow({}, dlq, d.id, [
      h("td", {}, box),
      h("td", { class: "id" }, idLink(dlq, d.id), h("div", { class: "sub" }, "was " + d.originalId)),
      num(d.deliveries, { "data-deliveries": d.deliveries }),
      h("td", { "data-error": d.error, class: "error-cell" }, d.error),
      h("td", { class: "nowrap" }, ago(d.failedAt)),
      h("td", {}, button)]);
  }

  function matchBody(f) {
    const m = {};
    if (f.q) m.q = f.q;
    if (f.source) m.source = f.source;
    if (f.from) m.from = new Date(f.from).getTime();
    if (f.to) m.to = new Date(f.to).getTime();
    return m;
  }

  async function bulkAction(question, path, body, st, dlq, key) {
    if (body.ids && body.ids.length === 0) return say("Select dead letters first.", true);
    if (!confirm(question)) return;
    try {
      const r = await api("/streams/" + enc(dlq) + "/dead-letters" + path, { method: "POST", body: JSON.stringify(body) });
      const n = Array.isArray(r[key]) ? r[key].length : r[key];
      say((key === "replayed" ? "Replayed " : key === "deleted" ? "Deleted " : "Purged ") + n + " dead letters" + (key === "replayed" && r[key].length ? " onto " + r[key][0].stream : "") + (r.more ? "; more match: send again" : "") + ".", false);
      st.selected.clear();
    } catch (error) {
      say(error.message, true);
    }
    soon();
  }

  async function replay(dlq, id, button) {
    if (button) button.disabled = true;
    try {
      const { replayed } = await api("/streams/" + enc(dlq) + "/dead-letters/replay", { method: "POST", body: JSON.stringify({ ids: [id] }) });
      say(replayed.map((r) => "Replayed " + r.deadLetterId + " onto " + r.stream + " as " + r.newId + ".").join(" "), false);
      return true;
    } catch (error) {
      if (button) button.disabled = false;
      say("Replay of " + id + " failed: " + error.message, true);
      return false;
    } finally {
      soon();
    }
  }
`;
