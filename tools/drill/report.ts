/**
 * The drill's outputs: a markdown report for the terminal (and for pasting
 * into RESULTS.md), and the whole result as JSON in bench-results/.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { redact } from "../../src/dev/bridge/redis-backend.js";
import type { Odd } from "./accounting.js";
import type { DrillConfig } from "./config.js";
import type { DrillResult } from "./drill.js";

const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]): string =>
  [head, head.map(() => "---"), ...rows].map((r) => `| ${r.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`).join("\n");

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tally = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ×${n}`)
    .join("; ") || "none";

export function formatReport(r: DrillResult, c: DrillConfig, reproduce: string): string {
  const a = r.accounting;
  const f = r.faults.bridge;
  const kills = r.faults.kills;
  const p = r.producer;
  const m = r.runs.manual;
  const meanDown = kills.length ? kills.reduce((s, k) => s + k.downMs, 0) / kills.length : 0;
  const out = [
    `## Drill: ${a.orders} messages, seed ${c.seed}: ${r.ok ? "PASS" : "FAIL"}`,
    "",
    `\`${reproduce}\``,
    "",
    `lost **${a.summary.lost}**, unexpected **${a.summary.unexpected}**, duplicated **${a.summary.duplicated}**; good messages dead-lettered after maxDeliveries (${r.options.maxDeliveries}) deliveries cut short by faults: **${a.summary.goodDeadLetteredAfterMaxDeliveries}**, of which with deliveries no handler saw and no fault explains: **${a.summary.withPhantomDeliveries}**`,
    "",
    table(["invariant", "ok", "detail"], a.invariants.map((i) => [i.name, i.ok ? "✅" : "❌", i.detail])),
    "",
    table(
      ["orders", "made", "acknowledged", "charged (ledger)", "dead-lettered (DLQ)"],
      Object.entries(a.byKind).map(([kind, k]) => [kind, k.orders, k.acknowledged, k.charged, k.deadLettered]),
    ),
    "",
    table(["what happened", ""], [
      ["duration", `${seconds(r.durationMs)} (faults ${seconds(r.phases.faultsMs)}, drain ${seconds(r.phases.drainMs)})`],
      ["store, read back via", `${r.store}; ${r.readVia}`],
      ["Worker kills (SIGKILL to its process group, restart)", `${kills.length}; down ${seconds(meanDown)} on average; ${kills.reduce((s, k) => s + k.runsInFlight, 0)} manual runs in flight at the kills`],
      ["bridge faults", `${f.status503 + f.dropBefore + f.dropAfter} of ${f.requests} requests: 503 ×${f.status503}, drop before ×${f.dropBefore}, drop after ×${f.dropAfter}`],
      ["bridge faults by route", tally(f.byRoute)],
      ["enqueue", `${Math.ceil(a.orders / c.batch)} batches, ${p.posts} POSTs in ${seconds(p.durationMs)}; 201 ×${p.created}, 200 (repeat) ×${p.repeated}; retries: ${tally(p.retries)}`],
      ["runs", `cron ticks ×${r.runs.cronTicks}; manual ×${m.runs} (no report ×${m.failed}); stop reasons: ${tally(m.stopReasons)}`],
      ...(r.runs.overlap ? [overlapRow(r)] : []),
      ["run errors (manual reports)", tally(m.errors)],
      ["run errors (cron, Worker log)", tally(r.runs.cronRunErrors)],
      ["entries", `stream ${a.entries.stream}, ledger ${a.entries.ledger}, DLQ ${a.entries.dlq}`],
      ["redeliveries", `${a.redeliveries.total} over ${a.redeliveries.messages} messages: ${tally(a.redeliveries.byKind)}`],
      ["DLQ deliveries", `always-fail: ${tally(a.deliveries["always-fail"])}; invalid: ${tally(a.deliveries.invalid)}`],
      ["consumers", `seen ${r.consumers.seen.join(", ") || "none"}; max pending of one ${r.consumers.maxPending.pending} (${r.consumers.maxPending.consumer || "-"} at ${seconds(r.consumers.maxPending.tMs)}); max pending of the group ${r.consumers.maxGroupPending.pending} (maxPending ${r.options.maxPending})`],
      ["left running after stop", r.leftBehind.length ? r.leftBehind.join(", ") : "nothing"],
    ]),
  ];
  const findings = [
    ...a.lost.slice(0, 10).map((key) => `- lost: ${key}`),
    ...oddLines("unexpected", a.unexpected),
    ...(["enqueued", "charged", "deadLettered", "chargedAndDeadLettered"] as const).flatMap((k) => a.duplicates[k].slice(0, 10).map((key) => `- duplicate (${k}): ${key}`)),
    ...oddLines("misplaced", a.misplaced),
    ...oddLines("exhausted by faults", a.exhausted),
    ...oddLines("id mismatch", a.idMismatch),
    ...oddLines("malformed", a.malformed),
    ...oddLines("deliveries", a.deliveryViolations),
  ];
  if (findings.length > 0) out.push("", "Findings (first 10 of each):", ...findings);
  return out.join("\n");
}

function overlapRow(r: DrillResult): [string, string] {
  const o = r.runs.overlap!;
  const q = r.phases.quiesce;
  const quiet = q ? `; after the firing stopped, ${q.quiet ? "every run finished" : "runs were still going"} in ${seconds(q.waitedMs)} with ${q.pendingLeft} pending` : "";
  return [
    "overlap mode (fired, never awaited)",
    `${o.perSecond} runs/s: cron ticks ×${o.cronFired} (failed ×${o.cronFailed}), manual ×${o.manualFired} (no report ×${o.manual.failed}, skipped at the in-flight cap ×${o.skipped}, most unanswered at once ${o.maxInFlight}); manual stop reasons: ${tally(o.manual.stopReasons)}; errors: ${tally(o.manual.errors)}${quiet}`,
  ];
}

const oddLines = (what: string, list: readonly Odd[]) => list.slice(0, 10).map((o) => `- ${what}: ${o.key ?? "(no key)"} ${o.where} ${o.id}${o.note ? `: ${o.note}` : ""}`);

/** The result as JSON; long lists are cut to their first 500 items. */
export async function writeJson(path: string, r: DrillResult, c: DrillConfig, reproduce: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const config = { ...c, redisUrl: c.redisUrl && redact(c.redisUrl) };
  const json = JSON.stringify({ config, reproduce, ...r }, (_, v: unknown) => (Array.isArray(v) && v.length > 500 ? [...v.slice(0, 500), `… ${v.length - 500} more`] : v), 2);
  await writeFile(path, `${json}\n`);
}
