/**
 * Browser code (a string, see client.ts): the paged, filtered lists of dead
 * letters and pending entries, with selection and bulk actions. Filter forms
 * are built once per function and kept across refreshes, so typing is never
 * interrupted; the rows are rebuilt from the API on each refresh.
 */
export const listsScript = String.raw`
  const DL_PAGE = 50, PENDING_PAGE = 50;
  const lists = {};
  function listState(name) {
    if (!lists[name]) lists[name] = { dl: { start: "-", back: [] }, dlFilter: {}, selected: new Set(), pending: {}, pendingFilter: {} };
    return lists[name];
  }
  function query(params) {
    return Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => enc(k) + "=" + enc(v)).join("&");
  }

  function filterForm(fields, onApply, label) {
    const inputs = fields.map(([name, text, type]) => h("label", { class: "filter" }, text, " ", h("input", { name, type: type || "text", size: 10, "data-filter": name })));
    const form = h("form", { class: "filters", "aria-label": label }, inputs, h("button", { type: "submit" }, "Filter"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const values = {};
      for (const i of form.querySelectorAll("input")) values[i.name] = i.value.trim();
      onApply(values);
    });
    return form;
  }

  function deadLetterQuery(st) {
    const f = st.dlFilter;
    const ms = (v) => (v ? String(new Date(v).getTime()) : undefined);
    return query({ count: DL_PAGE, start: st.dl.start, q: f.q, source: f.source, from: ms(f.from), to: ms(f.to) });
  }

  function deadLetterTools(fn, st, dlq) {
    if (!st.dlForm) {
      st.dlForm = filterForm([["q", "error"], ["source", "source"], ["from", "from", "datetime-local"], ["to", "to", "datetime-local"]], (v) => {
        st.dlFilter = v; st.dl = { start: "-", back: [] }; st.selected.clear(); refresh();
      }, "Filter dead letters of " + fn.name);
    }
    // Read at click time: boxes checked since this render count too.
    const selected = () => Array.from(st.selected);
    const bulk = (label, attr, action) => {
      const b = h("button", { type: "button", class: "write", [attr]: fn.name }, label);
      b.addEventListener("click", action);
      return b;
    };
    return h("div", { class: "toolbar" }, st.dlForm,
      h("div", { class: "bulk" },
        bulk("Replay selected", "data-bulk-replay", () => bulkAction("Replay " + selected().length + " dead letters?", "/replay", { ids: selected() }, st, dlq, "replayed")),
        bulk("Delete selected", "data-bulk-delete", () => bulkAction("Delete " + selected().length + " dead letters for good?", "/delete", { ids: selected() }, st, dlq, "deleted")),
        bulk("Replay all matching", "data-replay-matching", () => bulkAction("Replay up to 1000 dead letters matching the filter?", "/replay", { match: matchBody(st.dlFilter), limit: 1000 }, st, dlq, "replayed")),
        bulk("Purge", "data-purge", () => bulkAction("Delete every dead letter in " + dlq + " for good?", "/purge", { confirm: dlq }, st, dlq, "purged"))));
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
    refresh();
  }

  // pos is { start, back }: the page's first id and the starts of the pages before it.
  function pager(page, pos, label) {
    const prev = h("button", { type: "button", "data-page": "prev", disabled: pos.back.length === 0 }, "‹ Prev");
    const next = h("button", { type: "button", "data-page": "next", disabled: !page.next }, "Next ›");
    prev.addEventListener("click", () => { pos.start = pos.back.pop() || "-"; refresh(); });
    next.addEventListener("click", () => { pos.back.push(pos.start); pos.start = page.next; refresh(); });
    return h("div", { class: "pager", "data-pager": label }, prev, h("span", { class: "sub", "data-page-number": pos.back.length + 1 }, "page " + (pos.back.length + 1)), next);
  }

  function deadLetterRow(stream, d, st) {
    if (d.malformed) {
      return h("tr", { "data-id": d.id }, h("td", {}, ""), h("td", { class: "id" }, d.id), h("td", { colspan: 4 }, h("span", { class: "badge warn" }, "not a cronsumer dead letter"), h("div", { class: "fields" }, JSON.stringify(d.fields))));
    }
    const box = h("input", { type: "checkbox", class: "write", "data-select": d.id, "aria-label": "Select " + d.id, checked: st.selected.has(d.id) });
    box.addEventListener("change", () => { box.checked ? st.selected.add(d.id) : st.selected.delete(d.id); });
    const button = h("button", { type: "button", class: "write", "data-replay": d.id, "aria-label": "Replay dead letter " + d.id }, "Replay");
    button.addEventListener("click", () => replay(stream, d.id, button));
    return h("tr", { "data-id": d.id },
      h("td", {}, box),
      h("td", { class: "id" }, idLink(stream, d.id), h("div", { class: "sub" }, "was " + d.originalId)),
      num(d.deliveries, { "data-deliveries": d.deliveries }),
      h("td", { "data-error": d.error }, d.error, h("div", { class: "fields" }, JSON.stringify(d.fields))),
      h("td", { class: "nowrap" }, time(d.failedAt)),
      h("td", {}, button));
  }

  function pendingTools(fn, st) {
    if (!st.pendingForm) {
      st.pendingForm = filterForm([["consumer", "consumer"], ["minIdleMs", "min idle ms", "number"], ["minDeliveries", "min deliveries", "number"]], (v) => {
        st.pendingFilter = v; st.pending = {}; refresh();
      }, "Filter pending entries of " + fn.name);
    }
    return st.pendingForm;
  }
  function pendingQuery(st, group) {
    const p = st.pending[group] || (st.pending[group] = { start: "-", back: [] });
    return query(Object.assign({ count: PENDING_PAGE, start: p.start }, st.pendingFilter));
  }
`;
