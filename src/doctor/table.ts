/**
 * The doctor's report as plain text: one row per result (check, expected,
 * observed, ok or MISMATCH), the notes under it, then what the run cost.
 */
import type { DoctorReport } from "./run.js";

export function formatReport(report: DoctorReport): string {
  const header = ["check", "expected", "observed", ""];
  const rows = report.results.map((r) => [r.name, r.expected, r.observed, r.ok ? "ok" : "MISMATCH"]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(header), line(widths.map((w) => "-".repeat(w)))];
  report.results.forEach((r, i) => {
    out.push(line(rows[i]!));
    if (r.note) out.push(`  note: ${r.note}`);
  });
  out.push("", "cost (Upstash bills every command):", "  connection: 1 request, 1 command (PING)");
  for (const { name, cost } of report.ran) out.push(`  ${name}: ${cost}`);
  if (report.ran.length > 0) out.push("  cleanup: 1 request, 1 command (DEL)");
  const failed = report.results.filter((r) => !r.ok).map((r) => r.name);
  out.push("");
  if (report.leftover.length > 0) out.push(`could not delete ${report.leftover.length} key(s) under ${report.prefix}; they expire within an hour`);
  out.push(failed.length === 0 ? "all checks passed" : `MISMATCH in: ${failed.join(", ")}`);
  return out.join("\n");
}
