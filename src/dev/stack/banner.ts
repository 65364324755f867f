/**
 * What `cronsumer dev` (`npm start` here) prints: the banner once the stack is up, and a filter
 * that keeps wrangler's output readable while a cron fires every few
 * seconds and the dashboard polls.
 */
import type { Stack } from "./stack.js";

export function formatBanner(stack: Omit<Stack, "stop">, cron: false | { everySeconds?: number }): string {
  const cronLine = cron === false ? "off (--no-cron): POST /functions/:name/run to run" : cron.everySeconds ? `every cron every ${cron.everySeconds} s (--cron-every)` : "wrangler.toml's crons, on schedule (UTC)";
  const overrides = Object.entries(stack.functionVars).map(([name, value]) => `${name}=${value}`);
  return [
    "",
    "cronsumer is running locally",
    `  store      ${stack.storeDescription}`,
    `  bridge     ${stack.bridgeUrl}  (Upstash REST; token in stack.json)`,
    `  API        ${stack.apiUrl}`,
    `  token      ${stack.token}`,
    `  dashboard  ${stack.dashboardUrl}  (paste the token once)`,
    `  cron       ${cronLine}`,
    `  overrides  ${overrides.length > 0 ? overrides.join(" ") : "none"}`,
    "",
    `Enqueue: curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"k":"v"}' ${stack.apiUrl}/streams/<stream>/messages`,
    "Addresses and tokens are in .cronsumer/stack.json. Ctrl-C stops everything.",
    "",
  ].join("\n");
}

export interface OutputFilterOptions {
  /** Show every line. @default false */
  verbose?: boolean;
  /** A line printed within this long is not printed again. @default 60_000 */
  repeatWindowMs?: number;
  now?: () => number;
}

/**
 * Returns the line to print, or undefined to drop it: successful request
 * lines (`[wrangler:info] GET /… 200 OK`) go, and so does a line repeated
 * within the window (a skipped function logs on every tick).
 */
export function workerOutputFilter({ verbose = false, repeatWindowMs = 60_000, now = Date.now }: OutputFilterOptions = {}): (line: string) => string | undefined {
  const lastShown = new Map<string, number>();
  return function filterWorkerOutput(line) {
    if (verbose) return line;
    if (/\[wrangler:info\] (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ [1-3]\d\d\b/.test(line)) return undefined;
    const t = now();
    const seen = lastShown.get(line);
    if (seen !== undefined && t - seen < repeatWindowMs) return undefined;
    lastShown.set(line, t);
    if (lastShown.size > 500) lastShown.clear();
    return line;
  };
}
