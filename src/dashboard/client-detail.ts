/**
 * Browser code (a string, see client.ts): the message view. Clicking an id
 * reads `GET /streams/:stream/messages/:id`, which delivers nothing, and
 * shows fields, delivery count, idle time, last error and the history the
 * run reports hold. It stays open across refreshes until closed.
 */
export const detailScript = String.raw`
  const detail = $("detail");
  function idLink(stream, id) {
    const a = h("button", { type: "button", class: "link", "data-open": id }, id);
    a.addEventListener("click", () => openMessage(stream, id));
    return a;
  }

  async function openMessage(stream, id) {
    detail.hidden = false;
    detail.replaceChildren(h("p", { class: "sub" }, "Loading " + id + "…"));
    try {
      const m = await api("/streams/" + enc(stream) + "/messages/" + enc(id));
      const close = h("button", { type: "button", "data-close": "" }, "Close");
      close.addEventListener("click", () => { detail.hidden = true; detail.replaceChildren(); });
      const dl = m.deadLetter;
      detail.replaceChildren(
        h("h2", {}, "Message " + m.id + " ", close),
        h("p", { class: "sub" }, m.stream + " · enqueued " + new Date(m.enqueuedAt).toLocaleString()),
        dl ? h("p", {}, h("span", { class: "badge bad" }, "dead letter"), " from " + dl.stream + " (" + dl.originalId + "), " + dl.deliveries + " deliveries: " + dl.error) : "",
        h("h3", {}, "Fields"),
        h("pre", { class: "fields", "data-fields": "" }, JSON.stringify(dl ? dl.fields : m.fields, null, 2)),
        m.groups.length ? table(["group", "consumer", "idle", "deliveries", "last error"], m.groups.map((g) => h("tr", { "data-group": g.group },
          h("td", { class: "id" }, g.group), h("td", { class: "id" }, g.pending ? g.pending.consumer : "acknowledged or not yet read"),
          num(g.pending ? duration(g.pending.idleMs) : null), num(g.pending ? g.pending.deliveries : null, { "data-deliveries": g.pending ? g.pending.deliveries : "" }),
          h("td", {}, g.lastError ? "attempt " + g.lastError.attempt + ": " + g.lastError.error : "–"))), "", { "data-table": "message-groups" }) : "",
        h("h3", {}, "History (from run reports)"),
        table(["run started", "consumer", "attempt", "error"], m.history.map((e) => h("tr", {}, h("td", { class: "nowrap" }, time(e.at)), h("td", { class: "id" }, e.consumer), num(e.attempt), h("td", {}, e.error))),
          "No failed attempt in the stored run reports.", { "data-table": "history" }));
    } catch (error) {
      detail.replaceChildren(h("p", { class: "error" }, error.message));
    }
  }
`;
