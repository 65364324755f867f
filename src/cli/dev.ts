/**
 * `cronsumer dev`: the whole of cronsumer on this machine, for the Worker
 * project in the current directory, with nothing but Node: a stream store,
 * the bridge, the project's own Worker under its own `wrangler dev`, and a
 * cron. This repository's `npm start` is this command run on itself.
 *
 *   npx cronsumer dev [--env <name>] [--config <path>] [--cron-every <seconds> | --no-cron] [--verbose]
 *
 * Environment (all optional):
 * - `PORT` (8787): the Worker: API and dashboard. `BRIDGE_PORT` (8079).
 * - `REDIS_URL`: use this Redis. Without it, a `redis-server` on PATH is
 *   spawned (data in `.cronsumer/redis`), else the embedded engine runs
 *   (data in `.cronsumer/engine`). `CRONSUMER_STORE=redis-server|embedded`
 *   forces one.
 * - `API_TOKEN`, `BRIDGE_TOKEN`: fixed tokens instead of random ones. Without
 *   `API_TOKEN`, the project's `.dev.vars` API_TOKEN is used when it sets one.
 * - `WEBHOOK_URL`, `WEBHOOK_SECRET`, `READ_TOKEN`, and any `FN_*` option
 *   override: passed to the Worker.
 * - `CRONSUMER_DIR` (.cronsumer): where state, data and stack.json live.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatBanner, workerOutputFilter } from "../dev/stack/banner.js";
import { readProjectApiToken } from "../dev/stack/project.js";
import { startStack, type Stack } from "../dev/stack/stack.js";
import type { StoreKind } from "../dev/stack/store.js";

export const USAGE = `usage: cronsumer dev [--env <name>] [--config <path>] [--cron-every <seconds> | --no-cron] [--verbose]
       (in this repository: npm start [-- <flags>])

  --env <name>      the wrangler environment to run (wrangler dev --env): its crons, vars, bindings
  --config <path>   another wrangler config than ./wrangler.toml
  --cron-every <s>  fire every cron every <s> seconds instead of on its schedule
  --no-cron         fire no cron; trigger runs with POST /functions/:name/run
  --verbose         show every line wrangler prints (requests included)

environment: PORT, BRIDGE_PORT, REDIS_URL, CRONSUMER_STORE, CRONSUMER_DIR,
API_TOKEN, BRIDGE_TOKEN, WEBHOOK_URL, WEBHOOK_SECRET, READ_TOKEN, FN_*`;

function fail(message: string): number {
  console.error(`cronsumer dev: ${message}`);
  return 1;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${name}=${raw} is not a port number`);
  return port;
}

function cronFrom(args: { "cron-every"?: string; "no-cron"?: boolean }): false | { everySeconds?: number } {
  if (args["cron-every"] === undefined) return args["no-cron"] ? false : {};
  const everySeconds = Number(args["cron-every"]);
  if (!(everySeconds > 0)) throw new UsageError(`--cron-every takes a number of seconds above 0, got ${JSON.stringify(args["cron-every"])}`);
  if (args["no-cron"]) throw new UsageError("--cron-every and --no-cron contradict each other");
  return { everySeconds };
}

/** `argv` is what follows `dev`. Resolves with the exit code once the stack has stopped (Ctrl-C), or failed to start. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let args;
  let cron: false | { everySeconds?: number };
  let port: number;
  let bridgePort: number;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        env: { type: "string", short: "e" },
        config: { type: "string", short: "c" },
        "cron-every": { type: "string" },
        "no-cron": { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
    cron = cronFrom(args);
    port = portFrom(env, "PORT", 8787);
    bridgePort = portFrom(env, "BRIDGE_PORT", 8079);
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const store = env.CRONSUMER_STORE as StoreKind | undefined;
  if (store && !["redis-url", "redis-server", "embedded"].includes(store)) return fail(`CRONSUMER_STORE must be redis-server or embedded, got ${store}`);
  return run({ env, cron, port, bridgePort, store, wranglerEnv: args.env, config: args.config, verbose: args.verbose === true });
}

interface RunOptions {
  env: NodeJS.ProcessEnv;
  cron: false | { everySeconds?: number };
  port: number;
  bridgePort: number;
  store: StoreKind | undefined;
  wranglerEnv: string | undefined;
  config: string | undefined;
  verbose: boolean;
}

async function run({ env, cron, port, bridgePort, store, wranglerEnv, config, verbose }: RunOptions): Promise<number> {
  const passThrough = Object.entries(env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && entry[1] !== "" && (["WEBHOOK_URL", "WEBHOOK_SECRET", "READ_TOKEN"].includes(entry[0]) || entry[0].startsWith("FN_")),
  );
  const log = (line: string) => console.error(line);
  const filter = workerOutputFilter({ verbose });
  console.error("cronsumer dev: starting the local stack…");
  let stack: Stack;
  try {
    stack = await startStack({
      projectDir: process.cwd(),
      dir: env.CRONSUMER_DIR ? resolve(env.CRONSUMER_DIR) : undefined,
      env: wranglerEnv,
      config,
      port,
      bridgePort,
      bridgeToken: env.BRIDGE_TOKEN || undefined,
      apiToken: env.API_TOKEN || (await readProjectApiToken(process.cwd())),
      redisUrl: env.REDIS_URL || undefined,
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
    return fail((error as Error).message);
  }
  console.log(formatBanner(stack, cron));

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        // A second Ctrl-C: the exit handlers SIGKILL what is left.
        console.error("cronsumer dev: stopping now");
        process.exit(130);
      }
      stopping = true;
      console.error(`cronsumer dev: ${signal}, stopping the Worker, cron, bridge and store…`);
      await stack.stop();
      console.error("cronsumer dev: stopped; nothing left running");
      done(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  });
}
