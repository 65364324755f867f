/**
 * Output: one markdown table per scenario section, printed as it completes,
 * and at the end the whole report as bench-results/<timestamp>.json and
 * bench-results/latest.md (git-ignored).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes?: string[];
}

export interface Section {
  scenario: string;
  tables: Table[];
  /** Raw figures for the JSON file. */
  data: unknown;
}

export interface Header {
  command: string;
  startedAt: string;
  machine: Record<string, string | number>;
  settings: Record<string, unknown>;
}

export function renderTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [`#### ${t.title}`, "", `| ${t.columns.map(esc).join(" | ")} |`, `| ${t.columns.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`];
  for (const r of t.rows) lines.push(`| ${r.map(esc).join(" | ")} |`);
  if (t.notes?.length) lines.push("", ...t.notes.map((n) => `- ${n}`));
  return lines.join("\n");
}

export function renderHeader(h: Header): string {
  const machine = Object.entries(h.machine).map(([k, v]) => `${k} ${v}`).join(", ");
  return [`# cronsumer bench, ${h.startedAt}`, "", `Command: \`${h.command}\``, "", `Machine: ${machine}`, "", `Settings: ${JSON.stringify(h.settings)}`, ""].join("\n");
}

export const renderSection = (s: Section): string => [`### ${s.scenario}`, "", ...s.tables.map(renderTable).flatMap((t) => [t, ""])].join("\n");

export async function writeResults(dir: string, header: Header, sections: Section[]): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${header.startedAt.replace(/[:.]/g, "-")}.json`);
  const md = join(dir, "latest.md");
  await writeFile(json, JSON.stringify({ ...header, sections }, null, 2) + "\n");
  await writeFile(md, [renderHeader(header), ...sections.map(renderSection)].join("\n") + "\n");
  return { json, md };
}

// Number formats: figures are ratios from one run on a shared machine, so few digits.
export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const rate = (n: number): string => (n >= 100 ? int(n) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const per = (n: number): string => (n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));
export const ms = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
export const times = (a: number, b: number): string => (b > 0 ? `${a / b >= 10 ? (a / b).toFixed(0) : (a / b).toFixed(1)}×` : "–");
export const percent = (a: number, b: number): string => (b > 0 ? `${Math.round((100 * a) / b)}%` : "–");
export const ratioPerMessage = (count: number, messages: number): string => (messages > 0 ? per(count / messages) : "–");
