/**
 * The local cron: fires the Worker's crons through `wrangler dev
 * --test-scheduled`, `GET /__scheduled?cron=<expression>`, either on their
 * schedule (checked at each UTC minute boundary, as Cloudflare fires them)
 * or every N seconds for demos.
 */
import { readFile } from "node:fs/promises";
import { parseCron, type CronSchedule } from "./cron-match.js";

export interface CronDriverOptions {
  /** The Worker under `wrangler dev --test-scheduled`. */
  workerUrl: string;
  /** Exactly as in wrangler.toml: `controller.cron` receives this string. */
  crons: readonly string[];
  /** Fire every cron every this many seconds instead of on its schedule. */
  everySeconds?: number;
  /** One line per failed fire, and one when firing works again. */
  log?: (line: string) => void;
}

export interface CronDriver {
  /** Fires so far, by outcome. */
  readonly stats: { ok: number; failed: number };
  /** Stops the timer and waits for fires in flight. */
  stop(): Promise<void>;
}

export function startCronDriver(options: CronDriverOptions): CronDriver {
  const { workerUrl, crons, everySeconds, log = () => {} } = options;
  if (everySeconds !== undefined && !(everySeconds > 0)) throw new TypeError(`Expected \`everySeconds\` to be more than 0, got ${everySeconds}`);
  const schedules: CronSchedule[] = crons.map(parseCron);
  const stats = { ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function fire(cron: string): Promise<void> {
    const url = `${workerUrl}/__scheduled?cron=${encodeURIComponent(cron)}`;
    try {
      const response = await fetch(url, { signal: abort.signal });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      stats.ok += 1;
      if (failing) log(`cron: firing works again (${cron})`);
      failing = false;
    } catch (error) {
      if (stopped) return;
      stats.failed += 1;
      if (!failing) log(`cron: firing ${JSON.stringify(cron)} failed: ${(error as Error).message}`);
      failing = true;
    }
  }

  function fireAll(due: readonly CronSchedule[]): void {
    for (const { expression } of due) {
      const p = fire(expression).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }

  function scheduleNextMinute(): void {
    const now = Date.now();
    // A little past the boundary, so the minute read back is the new one.
    timer = setTimeout(onMinute, 60_000 - (now % 60_000) + 5);
  }

  function onMinute(): void {
    if (stopped) return;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    fireAll(schedules.filter((s) => s.matches(minute)));
    scheduleNextMinute();
  }

  if (everySeconds !== undefined) timer = setInterval(() => fireAll(schedules), everySeconds * 1000);
  else scheduleNextMinute();

  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(timer);
      abort.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * The crons of `[triggers] crons = [...]` in a wrangler.toml, or with `env`,
 * of `[env.<env>.triggers]` when it has them (wrangler inherits `triggers`
 * into an environment that sets none). A small reader for that one key (no
 * TOML dependency): strings in double or single quotes, on one line or
 * several, `#` comments.
 */
export async function readCrons(wranglerTomlPath: string, env?: string): Promise<string[]> {
  const text = await readFile(wranglerTomlPath, "utf8");
  const lines = text.split(/\r?\n/);
  const found = new Map<string, string[]>();
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (!section.endsWith("triggers") || !/^crons\s*=/.test(line)) continue;
    let value = line.slice(line.indexOf("=") + 1);
    while (!value.includes("]") && i + 1 < lines.length) value += ` ${stripComment(lines[++i]!)}`;
    found.set(section.replace(/\s+/g, ""), [...value.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? ""));
  }
  return (env === undefined ? undefined : found.get(`env.${env}.triggers`)) ?? found.get("triggers") ?? [];
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}
