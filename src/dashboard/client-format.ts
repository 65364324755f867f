/**
 * Browser code (a string, see client.ts): how values read. Durations and
 * relative times ("3 min ago") with the absolute time on hover, numbers in
 * table cells, tables that become label/value blocks on a phone, and the
 * keyboard: j/k through the rows of a list, Enter to open one, Esc to close.
 */
export const formatScript = String.raw`
  function duration(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "–";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 3600000) return Math.round(ms / 60000) + " min";
    if (ms < 86400000) return (ms / 3600000).toFixed(1) + " h";
    return (ms / 86400000).toFixed(1) + " d";
  }
  function ago(value) {
    const d = new Date(value);
    if (value === null || value === undefined || isNaN(d.getTime())) return h("span", {}, "–");
    const ms = Date.now() - d.getTime();
    const text = Math.abs(ms) < 5000 ? "just now" : ms > 0 ? duration(ms) + " ago" : "in " + duration(-ms);
    return h("time", { datetime: d.toISOString(), title: d.toLocaleString() }, text);
  }
  const num = (v, attrs) => h("td", Object.assign({ class: "num" }, attrs), v === null || v === undefined ? "–" : String(v));
  const stat = (label, value, attrs) => h("div", Object.assign({ class: "stat" }, attrs), h("b", {}, String(value)), h("span", {}, label));

  // On a phone each row becomes a block of "label value" lines: cells carry their heading as data-label.
  function table(headings, rows, empty, attrs) {
    if (rows.length === 0) return h("div", Object.assign({}, attrs, { class: "empty-state" }), empty);
    for (const row of rows) Array.from(row.children).forEach((cell, i) => cell.setAttribute("data-label", headings[i] || ""));
    const numeric = (i) => Boolean(rows[0].children[i] && rows[0].children[i].classList.contains("num"));
    return h("div", { class: "scroll", tabindex: 0 }, h("table", attrs, h("thead", {}, h("tr", {}, headings.map((x, i) => h("th", { scope: "col", class: numeric(i) ? "num" : undefined }, x || h("span", { class: "visually-hidden" }, "actions"))))), h("tbody", {}, rows)));
  }
  function emptyState(title, next) {
    return [h("p", { class: "empty-title" }, title), h("p", { class: "sub" }, next)];
  }

  // A row that opens a message: focusable, Enter opens it.
  function openRow(attrs, stream, id, cells) {
    const tr = h("tr", Object.assign({ tabindex: 0, "data-row": "", "data-id": id }, attrs), cells);
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target === tr) openMessage(stream, id); });
    return tr;
  }

  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.key === "Escape") {
      if (!$("drawer").hidden) { e.preventDefault(); closeDrawer(true); return; }
      if (document.body.classList.contains("menu-open")) toggleMenu(false);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"))) return;
    if (e.key !== "j" && e.key !== "k") return;
    const inSidebar = t && sidebar.contains(t);
    const items = Array.from((inSidebar ? sidebar : viewEl).querySelectorAll(inSidebar ? "a" : "[data-row]"));
    if (items.length === 0) return;
    e.preventDefault();
    const at = items.indexOf(t);
    const next = at < 0 ? 0 : Math.max(0, Math.min(items.length - 1, at + (e.key === "j" ? 1 : -1)));
    items[next].focus();
  });
`;
