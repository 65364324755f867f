/**
 * The Worker under `wrangler dev --test-scheduled`, as a child process.
 *
 * Bindings go to wrangler in an env file only this user can read
 * (`env-file.ts`, `--env-file`), removed when the Worker stops: never in its
 * arguments, which every local user sees in `ps`, nor in wrangler.toml. The
 * project's own `.dev.vars` (or, without one, `.env` and `.env.local`) is
 * passed first, so it is still read, as wrangler would read it, and the
 * stack's bindings win over it. wrangler runs workerd and esbuild as children of its own; the
 * child is started in a new process group (`detached`), and stop() signals
 * the whole group (`process.kill(-pid)`) so none of them outlives the stack.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { writeEnvFile } from "./env-file.js";

export interface WorkerOptions {
  /** The project root: wrangler.toml and node_modules/.bin/wrangler. */
  projectDir: string;
  port: number;
  /** @default "127.0.0.1" */
  ip?: string;
  /** Devtools port; each wrangler needs its own. */
  inspectorPort: number;
  /** Bindings for the Worker, secrets included, on top of wrangler.toml's and .dev.vars'. */
  vars: Record<string, string>;
  /** wrangler's local state (`--persist-to`). */
  persistTo: string;
  /** Readiness: `GET /health` answers 200 within this. @default 60_000 */
  readyTimeoutMs?: number;
  /** wrangler's output, line by line, and the Worker's console. */
  onOutput?: (line: string) => void;
  /** Another wrangler config than the project's wrangler.toml (the CPU bench's Worker). */
  config?: string;
  /** A wrangler environment: `--env <name>`. */
  env?: string;
}

export interface WorkerProcess {
  url: string;
  /** wrangler's pid, which is also its process group's id. */
  pid: number;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when no process of the group is left. */
  stop(graceMs?: number): Promise<void>;
  /** A crash, for the drill: SIGKILL to the process group at once; resolves when no process of the group is left. */
  kill(): Promise<void>;
}

export class WorkerStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerStartError";
  }
}

export async function startWorker(options: WorkerOptions): Promise<WorkerProcess> {
  const { projectDir, port, ip = "127.0.0.1", inspectorPort, vars, persistTo, readyTimeoutMs = 60_000, onOutput = () => {}, config, env } = options;
  // The project's own wrangler, as `npx wrangler dev` would run it: its version is the project's choice.
  const wrangler = join(projectDir, "node_modules", ".bin", "wrangler");
  if (!existsSync(wrangler)) throw new WorkerStartError(`no wrangler in ${projectDir}/node_modules: npm install --save-dev wrangler`);
  const envFile = await writeEnvFile(vars);
  const args = [
    wrangler,
    "dev",
    ...(config ? ["--config", config] : []),
    ...(env ? ["--env", env] : []),
    "--test-scheduled",
    "--port", String(port),
    "--ip", ip,
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    ...projectEnvFiles(projectDir).flatMap((file) => ["--env-file", file]),
    "--env-file", envFile.path,
  ];
  // process.execPath rather than the script's `#!/usr/bin/env node`: PATH may hold no node at all.
  const child = spawn(process.execPath, args, {
    cwd: projectDir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // No request to workers.cloudflare.com for a `Request.cf` sample: offline it only delays start-up.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      // No colours or spinners in a log that is not a terminal.
      FORCE_COLOR: "0",
      // Env files are read only while this is on; and this shell's environment is no binding of the Worker.
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
      CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
    },
  });
  const tail: string[] = [];
  const lines = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split(/\r?\n/)) {
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      onOutput(line);
    }
  };
  child.stdout!.on("data", lines);
  child.stderr!.on("data", lines);
  const pid = child.pid;
  if (pid === undefined) {
    await envFile.remove();
    throw new WorkerStartError("could not spawn wrangler");
  }
  const killOnExit = () => {
    signalGroup(pid, "SIGKILL");
    envFile.removeSync();
  };
  process.once("exit", killOnExit);

  const url = `http://${ip}:${port}`;
  const stop = async (graceMs = 5_000) => {
    process.off("exit", killOnExit);
    await stopGroup(child, pid, graceMs);
    await envFile.remove();
  };
  const kill = async () => {
    process.off("exit", killOnExit);
    await stopGroup(child, pid, 0, "SIGKILL");
    await envFile.remove();
  };
  try {
    await waitForHealth(url, child, readyTimeoutMs);
  } catch (error) {
    await stop();
    throw new WorkerStartError(`${(error as Error).message}\nwrangler's last lines:\n  ${tail.join("\n  ")}`, { cause: error });
  }
  return { url, pid, stop, kill };
}

/**
 * What wrangler reads by itself without `--env-file`: `.dev.vars`, or else
 * `.env` and `.env.local`. One difference: these are now also read as env files, so a `$NAME`
 * in `.dev.vars` is expanded (write `\$` for a literal `$`).
 */
function projectEnvFiles(projectDir: string): string[] {
  const devVars = join(projectDir, ".dev.vars");
  if (existsSync(devVars)) return [devVars];
  return [".env", ".env.local"].map((name) => join(projectDir, name)).filter((file) => existsSync(file));
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.signalCode ?? child.exitCode}) before the Worker answered GET /health`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`the Worker at ${url} did not answer GET /health with 200 within ${timeoutMs} ms (last: ${last})`);
}

/** Signals every process of the group; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

async function stopGroup(child: ChildProcess, pgid: number, graceMs: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (!signalGroup(pgid, signal)) return;
  const deadline = Date.now() + graceMs;
  await Promise.race([exited, sleep(graceMs)]);
  // wrangler's children (workerd, esbuild) may outlive it by a moment, or hang.
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, "SIGKILL");
      await Promise.race([exited, sleep(1_000)]);
      break;
    }
    await sleep(50);
  }
}
