/**
 * `npm run bridge`: an Upstash-compatible REST endpoint on this machine, in
 * front of a real Redis, for `wrangler dev`, the bench and the drill.
 *
 * Environment:
 * - `REDIS_URL`: the Redis to forward to. Default `redis://127.0.0.1:6379`.
 * - `BRIDGE_PORT`, `BRIDGE_HOST`: where to listen. Default `8079` on `127.0.0.1`.
 * - `BRIDGE_TOKEN`: the bearer token clients must send (the Worker's
 *   `UPSTASH_REDIS_REST_TOKEN` in `.dev.vars`). When unset, a random one is
 *   generated per run and written to `.cronsumer/bridge-token` (mode 0600,
 *   git-ignored) for scripts to read. The token is never logged.
 * - `BRIDGE_LATENCY_MS`: fixed delay per request, to mimic a remote Upstash.
 * - `BRIDGE_MAX_BODY_BYTES`: larger requests answer 413. Default 10 MiB.
 * - `BRIDGE_FAULT_RATE` (0..1, default 0) and `BRIDGE_FAULT_SEED` (integer,
 *   default random and printed): seeded random faults for the drill.
 *
 * Prints one line, where it listens; exits 1 with one line when the port is
 * taken or a setting is invalid. SIGINT/SIGTERM close it cleanly.
 */
import { randomBytes, randomInt } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRedisBackend, redact } from "./redis-backend.js";
import { randomFaults, type Faults } from "./faults.js";
import { startBridge } from "./server.js";

function fail(message: string): never {
  console.error(`bridge: ${message}`);
  process.exit(1);
}

function numberFrom(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!valid(value)) fail(`${name}=${raw} is not valid`);
  return value;
}

const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const host = process.env.BRIDGE_HOST || "127.0.0.1";
const port = numberFrom("BRIDGE_PORT", 8079, (n) => Number.isInteger(n) && n >= 0 && n < 65536);
const latencyMs = numberFrom("BRIDGE_LATENCY_MS", 0, (n) => n >= 0);
const maxBodyBytes = numberFrom("BRIDGE_MAX_BODY_BYTES", 10 * 1024 * 1024, (n) => Number.isInteger(n) && n > 0);
const faultRate = numberFrom("BRIDGE_FAULT_RATE", 0, (n) => n >= 0 && n <= 1);
const faultSeed = numberFrom("BRIDGE_FAULT_SEED", randomInt(2 ** 31), Number.isInteger);

const tokenFile = fileURLToPath(new URL("../../../.cronsumer/bridge-token", import.meta.url));
const givenToken = process.env.BRIDGE_TOKEN;
const token = givenToken || randomBytes(24).toString("base64url");

const log = (line: string) => console.error(line);
const backend = await createRedisBackend(redisUrl, { log });
let faults: Faults | undefined;
if (faultRate > 0) {
  faults = randomFaults({ rate: faultRate, seed: faultSeed });
  log(`bridge: injecting faults at rate ${faultRate} with BRIDGE_FAULT_SEED=${faultSeed}`);
}

const bridge = await startBridge({
  backend,
  token,
  port,
  host,
  latencyMs,
  maxBodyBytes,
  faults,
  redisLabel: redact(redisUrl),
  log,
}).catch(async (error: NodeJS.ErrnoException) => {
  await backend.close();
  if (error.code === "EADDRINUSE") fail(`port ${port} on ${host} is already in use (set BRIDGE_PORT to another)`);
  fail(error.message);
});

let tokenSource = "token from BRIDGE_TOKEN";
if (!givenToken) {
  await mkdir(dirname(tokenFile), { recursive: true });
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await chmod(tokenFile, 0o600); // `mode` applies only when the file is created
  tokenSource = `token in ${tokenFile}`;
}
console.log(`bridge listening on ${bridge.url} → ${redact(redisUrl)} (${tokenSource})`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`bridge: ${signal}, closing`);
  await bridge.close();
  await backend.close();
  process.exit(0);
}
process.once("SIGINT", () => void stop("SIGINT"));
process.once("SIGTERM", () => void stop("SIGTERM"));
