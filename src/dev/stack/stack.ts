/**
 * The local stack, as one call: a stream store, the Upstash-compatible bridge
 * in front of it, a project's Worker under `wrangler dev`, and a cron driver
 * firing its crons. `cronsumer dev` (and so this repository's `npm start`)
 * is a thin CLI over `startStack`; tests and the drill call it directly.
 *
 * While it runs, `<dir>/stack.json` (mode 0600) tells other tools (the demo)
 * where everything is and the tokens to use; `<dir>/stack.lock` keeps a
 * second stack off the same data.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Faults } from "../bridge/faults.js";
import { startBridge, type BridgeHandle } from "../bridge/server.js";
import { readCrons, startCronDriver, type CronDriver } from "./cron-driver.js";
import { assertReadable, readDevVars } from "./project.js";
import { acquireLock, type Lock } from "./lock.js";
import { assertPortFree, freePort, waitUntilClosed } from "./ports.js";
import { writeStackFile, type StackFile } from "./stack-file.js";
import { startStore, type Store, type StoreKind } from "./store.js";
import { startWorker, WorkerStartError, type WorkerProcess } from "./worker.js";

/** This repository's root (tests and tools run the stack on it). */
export const PROJECT_DIR = fileURLToPath(new URL("../../..", import.meta.url));

export interface StackOptions {
  /** The Worker project: its wrangler.toml, package.json and node_modules/.bin/wrangler. @default process.cwd() */
  projectDir?: string;
  /** Where the stack keeps its state. @default `<projectDir>/.cronsumer` */
  dir?: string;
  /** A wrangler environment (`wrangler dev --env`): its crons, vars and bindings. */
  env?: string;
  /** The Worker's port. @default 8787 */
  port?: number;
  /** The bridge's port. @default 8079 */
  bridgePort?: number;
  /** @default random per start */
  bridgeToken?: string;
  /** @default random per start */
  apiToken?: string;
  /** Use this Redis instead of spawning or embedding one. */
  redisUrl?: string;
  /** Force a store instead of choosing (REDIS_URL, then redis-server on PATH, then embedded). */
  store?: StoreKind;
  /** Where to look for `redis-server`. @default process.env.PATH */
  path?: string;
  /**
   * Extra bindings (WEBHOOK_URL, WEBHOOK_SECRET, READ_TOKEN, FN_* overrides).
   * They win over the project's `package.json` `cronsumer.devVars`.
   */
  vars?: Record<string, string>;
  /** `false`: no cron driver. `{ everySeconds }`: every cron that often. @default on schedule */
  cron?: false | { everySeconds?: number };
  /** Faults the bridge injects into every request (the drill). */
  faults?: Faults;
  /** A fixed delay the bridge adds to every request, to reproduce a remote round trip (the fan-out bench). @default 0 */
  latencyMs?: number;
  /** Another wrangler config than the project's wrangler.toml (the fan-out bench's partitioned Worker), relative to `projectDir`. */
  config?: string;
  /** The stack's own lines: what it chose, and problems. */
  log?: (line: string) => void;
  /** wrangler's output and the Worker's console. */
  onWorkerOutput?: (line: string) => void;
}

/** Where everything is (what stack.json holds), and how to stop it. */
export interface Stack extends StackFile {
  /** One line: what the store is and where its data lives. */
  storeDescription: string;
  /** The non-secret bindings given to the Worker (`FN_*` overrides), for the banner. */
  functionVars: Record<string, string>;
  /** What reached the bridge so far (requests and commands), so a test can count what a page cost at the store's door. */
  readonly bridgeStats: { readonly requests: number; readonly commands: number };
  /** Stops the cron, the Worker (its whole process group), the bridge and the store, in that order. */
  stop(): Promise<void>;
  /** A crash, for the drill: SIGKILL to the Worker's process group, then the same Worker started again on the same port. */
  crashWorker(): Promise<void>;
}

export class StackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StackError";
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const {
    projectDir = process.cwd(),
    dir = join(projectDir, ".cronsumer"),
    port = 8787,
    bridgePort = 8079,
    bridgeToken = randomBytes(24).toString("base64url"),
    apiToken = randomBytes(24).toString("base64url"),
    cron = {},
    log = () => {},
    onWorkerOutput,
  } = options;
  const config = resolve(projectDir, options.config ?? "wrangler.toml");
  // Before anything starts or is written: a directory that is no Worker project gets one clear line.
  await assertReadable(config);
  const devVars = await readDevVars(projectDir);
  await mkdir(dir, { recursive: true });
  const undo: (() => Promise<void>)[] = [];
  const rollback = async () => {
    for (const step of undo.reverse()) await step().catch((error: unknown) => log(`stack: while stopping: ${(error as Error).message}`));
  };

  try {
    const lock: Lock = await acquireLock(join(dir, "stack.lock"));
    undo.push(() => lock.release());
    // Checked before anything starts, so the error names the port instead of a child's stack trace.
    await assertPortFree(port, "the Worker (wrangler dev)", { hint: "set PORT to another" });
    await assertPortFree(bridgePort, "the bridge", { hint: "set BRIDGE_PORT to another" });

    const store: Store = await startStore({ dir, redisUrl: options.redisUrl, kind: options.store, path: options.path, log });
    undo.push(() => store.stop());
    const bridge: BridgeHandle = await startBridge({ backend: store.backend, token: bridgeToken, port: bridgePort, faults: options.faults, latencyMs: options.latencyMs, log });
    undo.push(() => bridge.close());

    const functionVars = { ...devVars, ...options.vars };
    let inspectorPort = await freePort();
    const start = () =>
      startWorker({
        projectDir,
        port,
        inspectorPort,
        persistTo: join(dir, "wrangler"),
        config: options.config,
        env: options.env,
        vars: { ...functionVars, UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridgeToken, API_TOKEN: apiToken },
        onOutput: onWorkerOutput,
      });
    // A port picked free can be taken by another process before workerd binds it (its inspector's, or one wrangler
    // picks for itself): start again on fresh ones. The Worker's own port was checked above and is never the one lost.
    const launch = async (): Promise<WorkerProcess> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await start();
        } catch (error) {
          if (attempt >= 3 || !lostRacedPort(error, port)) throw error;
          log(`stack: wrangler dev lost a port to another process (${String((error as Error).message.match(ADDRESS_IN_USE)?.[0])}); starting it again`);
          inspectorPort = await freePort();
        }
      }
    };
    let worker: WorkerProcess = await launch();
    undo.push(() => worker.stop());

    if (cron !== false) {
      const crons = await readCrons(config, options.env);
      const driver: CronDriver = startCronDriver({ workerUrl: worker.url, crons, everySeconds: cron.everySeconds, log });
      undo.push(() => driver.stop());
    }

    const state: StackFile = {
      apiUrl: worker.url,
      dashboardUrl: `${worker.url}/`,
      token: apiToken,
      bridgeUrl: bridge.url,
      bridgeToken,
      redisUrl: store.redisUrl,
      store: store.kind,
      pid: process.pid,
      pids: { wrangler: worker.pid, store: store.pids },
      ports: { worker: port, bridge: bridge.port, inspector: inspectorPort },
    };
    undo.push(await writeStackFile(dir, state));

    let stopping: Promise<void> | undefined;
    return {
      ...state,
      storeDescription: store.describe,
      bridgeStats: bridge.stats,
      functionVars: Object.fromEntries(Object.entries(functionVars).filter(([name]) => name.startsWith("FN_"))),
      stop: () => (stopping ??= rollback()),
      async crashWorker() {
        await worker.kill();
        if (!(await waitUntilClosed(port, 10_000))) throw new StackError(`port ${port} still listens 10 s after the Worker was killed`);
        worker = await launch();
        state.pids.wrangler = worker.pid;
        await writeStackFile(dir, state);
      },
    };
  } catch (error) {
    await rollback();
    throw error;
  }
}

const ADDRESS_IN_USE = /Address already in use \(?[\d.]+:(\d+)\)?/;

/** Whether wrangler failed to start because a port other than the Worker's was taken meanwhile. */
export function lostRacedPort(error: unknown, workerPort: number): boolean {
  const m = error instanceof WorkerStartError ? error.message.match(ADDRESS_IN_USE) : null;
  return m !== null && Number(m[1]) !== workerPort;
}
