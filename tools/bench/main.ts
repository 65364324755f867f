/**
 * `npm run bench`: cronsumer against its peers on a real Redis, through the
 * local Upstash-compatible bridge at several injected round-trip delays.
 *
 *   npm run bench                         full run (about 15 min on 2 cores)
 *   npm run bench -- --quick              fewer messages, one delay (5 ms)
 *   npm run bench -- --scenario drain     drain | scaling | idle | recovery | enqueue | latency | flow | cpu | tick (repeatable)
 *   npm run bench -- --delays 0,5         injected delays in ms
 *   npm run bench -- --cap 30             wall-time cap per contender, in s
 *   npm run bench -- --messages 10000     backlog of the drain scenario
 *
 * Tables go to stdout, progress to stderr; results to bench-results/.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Context, Settings } from "./context.js";
import type { Section } from "./report.js";
import { renderHeader, renderSection, writeResults } from "./report.js";
import type { Header } from "./report.js";
import { SCENARIOS, type ScenarioName } from "./scenarios/index.js";
import type { Stack } from "./stack.js";
import { startStack } from "./stack.js";

function settingsFrom(argv: string[]): { settings: Settings; scenarios: ScenarioName[] } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      scenario: { type: "string", multiple: true },
      delays: { type: "string" },
      cap: { type: "string" },
      messages: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run bench -- [--quick] [--scenario drain|scaling|idle|recovery|enqueue|latency|flow|cpu|tick]... [--delays 0,5,20] [--cap 20] [--messages 10000]");
    process.exit(0);
  }
  const quick = values.quick;
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!(Number.isFinite(n) && n > 0)) throw new TypeError(`Expected \`--${name}\` to be a number above 0; got ${JSON.stringify(raw)}`);
    return n;
  };
  const delays = values.delays === undefined ? (quick ? [5] : [0, 5, 20]) : values.delays.split(",").map((d) => {
    const n = Number(d.trim());
    if (!(Number.isInteger(n) && n >= 0)) throw new TypeError(`Expected \`--delays\` to list whole milliseconds (e.g. 0,5,20); got ${JSON.stringify(values.delays)}`);
    return n;
  });
  const messages = Math.round(positive("messages", values.messages, quick ? 1_000 : 10_000));
  const capMs = positive("cap", values.cap, quick ? 8 : 20) * 1000;
  const names = (values.scenario ?? Object.keys(SCENARIOS)) as string[];
  for (const n of names) if (!(n in SCENARIOS)) throw new TypeError(`Unknown scenario ${JSON.stringify(n)}; choose from ${Object.keys(SCENARIOS).join(", ")}`);
  return {
    scenarios: names as ScenarioName[],
    settings: {
      messages,
      sweepMessages: quick ? 500 : 2_000,
      scalingMessages: quick ? 500 : 2_000,
      recoveryMessages: messages,
      enqueueMessages: quick ? 500 : 2_000,
      idleRuns: quick ? 5 : 20,
      delays,
      capMs,
      recoveryCapMs: capMs * 4,
      handlers: [{ name: "no-op", ioMs: 0 }, { name: "20 ms I/O", ioMs: 20 }],
      sweep: quick ? [[10, 10], [100, 50]] : [[10, 10], [50, 10], [50, 50], [100, 10], [100, 50], [200, 10], [200, 50]],
    },
  };
}

const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const { settings, scenarios } = settingsFrom(process.argv.slice(2));
  let stack: Stack | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // A scenario may still be sending when Ctrl-C arrives; don't wait on it for long.
    // Whatever is left, the spawned redis-server is killed on exit (test/support/redis-server.ts).
    await Promise.race([stack?.close(), sleep(3_000)]);
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(130));
  process.once("SIGTERM", () => void stop(143));

  stack = await startStack();
  const header: Header = {
    command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    startedAt: new Date().toISOString(),
    machine: {
      cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown"}`,
      memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
      node: process.version,
      redis: stack.redisVersion,
      "load average at start": loadavg().map((l) => l.toFixed(2)).join(" "),
    },
    settings: { ...settings, handlers: settings.handlers.map((h) => h.name) },
  };
  console.log(renderHeader(header));
  const ctx: Context = { stack, settings, log };
  const sections: Section[] = [];
  try {
    for (const name of scenarios) {
      log(`— ${name}`);
      const section = await SCENARIOS[name](ctx);
      sections.push(section);
      console.log(renderSection(section));
    }
    header.machine["load average at end"] = loadavg().map((l) => l.toFixed(2)).join(" ");
    const written = await writeResults("bench-results", header, sections);
    log(`results: ${written.json}, ${written.md}`);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  } finally {
    await stop(Number(process.exitCode ?? 0));
  }
}

await main();
