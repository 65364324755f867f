/**
 * Shared by the local-stack tests: a temp state directory, an API client
 * for a running stack, a wait helper, and ways to prove nothing of a
 * stopped stack is left (processes by process group, listening ports).
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isListening } from "../../../src/dev/stack/ports.js";

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `cronsumer-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await sleep(everyMs);
  }
}

export interface Api {
  <T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Calls the Worker's API with its token; any answer but 2xx throws with the API's message. */
export function apiClient(apiUrl: string, token: string): Api {
  return async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T & { error?: { message: string } };
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${json.error?.message}`);
    return json;
  };
}

export interface ProcessInfo {
  pid: number;
  pgid: number;
  state: string;
  command: string;
}

/** Live (not zombie) processes whose process group is one of `pgids`, from /proc. */
export async function processesInGroups(pgids: readonly number[]): Promise<ProcessInfo[]> {
  const wanted = new Set(pgids);
  const found: ProcessInfo[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const [state = "", , pgrp = ""] = stat.slice(close + 2).split(" ");
    if (!wanted.has(Number(pgrp)) || state === "Z") continue;
    found.push({ pid: Number(name), pgid: Number(pgrp), state, command: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return found;
}

/** Ports of `ports` that still accept connections. */
export async function listening(ports: readonly number[]): Promise<number[]> {
  const open = await Promise.all(ports.map((p) => isListening(p)));
  return ports.filter((_, i) => open[i]);
}

/** SIGKILL to each process group, ignoring those already gone: cleanup after a failed test. */
export function killGroups(pgids: readonly number[]): void {
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
