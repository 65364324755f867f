/**
 * `npm start`: the whole of cronsumer on this machine, with nothing but Node:
 * a stream store, the bridge, the Worker under `wrangler dev`, and a cron.
 *
 *   npm start [-- --cron-every <seconds> | --no-cron]
 *
 * Environment (all optional):
 * - `PORT` (8787): the Worker: API and dashboard. `BRIDGE_PORT` (8079).
 * - `REDIS_URL`: use this Redis. Without it, a `redis-server` on PATH is
 *   spawned (data in `.cronsumer/redis`), else the embedded engine runs
 *   (data in `.cronsumer/engine`). `CRONSUMER_STORE=redis-server|embedded`
 *   forces one.
 * - `API_TOKEN`, `BRIDGE_TOKEN`: fixed tokens instead of random ones.
 * - `WEBHOOK_URL`, `WEBHOOK_SECRET`, `READ_TOKEN`, and any `FN_*` option
 *   override: passed to the Worker.
 * - `CRONSUMER_DIR` (.cronsumer): where state, data and stack.json live.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatBanner, workerOutputFilter } from "../dev/stack/banner.js";
import { startStack, type Stack } from "../dev/stack/stack.js";
import type { StoreKind } from "../dev/stack/store.js";

const HELP = `usage: npm start [-- --cron-every <seconds> | --no-cron | --verbose]

  --cron-every <s>  fire every cron every <s> seconds instead of on its schedule
  --no-cron         fire no cron; trigger runs with POST /functions/:name/run
  --verbose         show every line wrangler prints (requests included)

environment: PORT, BRIDGE_PORT, REDIS_URL, CRONSUMER_STORE, CRONSUMER_DIR,
API_TOKEN, BRIDGE_TOKEN, WEBHOOK_URL, WEBHOOK_SECRET, READ_TOKEN, FN_*`;

function fail(message: string): never {
  console.error(`start: ${message}`);
  process.exit(1);
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name}=${raw} is not a port number`);
  return port;
}

let parsed;
try {
  parsed = parseArgs({
    options: { "cron-every": { type: "string" }, "no-cron": { type: "boolean" }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
} catch (error) {
  fail(`${(error as Error).message}\n${HELP}`);
}
const args = parsed.values;
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
let cron: false | { everySeconds?: number } = {};
if (args["no-cron"]) cron = false;
if (args["cron-every"] !== undefined) {
  const everySeconds = Number(args["cron-every"]);
  if (!(everySeconds > 0)) fail(`--cron-every takes a number of seconds above 0, got ${JSON.stringify(args["cron-every"])}`);
  if (cron === false) fail("--cron-every and --no-cron contradict each other");
  cron = { everySeconds };
}

const store = process.env.CRONSUMER_STORE as StoreKind | undefined;
if (store && !["redis-url", "redis-server", "embedded"].includes(store)) fail(`CRONSUMER_STORE must be redis-server or embedded, got ${store}`);
const passThrough = Object.entries(process.env).filter(
  (entry): entry is [string, string] =>
    entry[1] !== undefined && entry[1] !== "" && (["WEBHOOK_URL", "WEBHOOK_SECRET", "READ_TOKEN"].includes(entry[0]) || entry[0].startsWith("FN_")),
);

const log = (line: string) => console.error(line);
const filter = workerOutputFilter({ verbose: args.verbose === true });
console.error("start: starting the local stack…");
let stack: Stack;
try {
  stack = await startStack({
    dir: process.env.CRONSUMER_DIR ? resolve(process.env.CRONSUMER_DIR) : undefined,
    port: portFrom("PORT", 8787),
    bridgePort: portFrom("BRIDGE_PORT", 8079),
    bridgeToken: process.env.BRIDGE_TOKEN || undefined,
    apiToken: process.env.API_TOKEN || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    store: store || undefined,
    vars: Object.fromEntries(passThrough),
    cron,
    log,
    onWorkerOutput: (line) => {
      const shown = filter(line);
      if (shown !== undefined) console.error(`worker │ ${shown}`);
    },
  });
} catch (error) {
  fail((error as Error).message);
}
console.log(formatBanner(stack, cron));

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    // A second Ctrl-C: the exit handlers SIGKILL what is left.
    console.error("start: stopping now");
    process.exit(130);
  }
  stopping = true;
  console.error(`start: ${signal}, stopping the Worker, cron, bridge and store…`);
  await stack.stop();
  console.error("start: stopped; nothing left running");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
