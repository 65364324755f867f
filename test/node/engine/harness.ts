/**
 * Differential testing: the same steps run against the real Redis from
 * global setup and against a fresh engine, and every reply must match.
 * Exceptions, all listed in the README ("The embedded engine"): time-valued fields
 * (idle, delivery and seen times, TTLs) match within a tolerance, XINFO's
 * radix-tree-nodes is not compared, KEYS/SCAN are compared as sets.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { inject } from "vitest";
import type { Outcome, Reply } from "../../../src/dev/bridge/backend.js";
import { createEngineBackend, type EngineOptions } from "../../../src/dev/engine/index.js";

export type TxOutcome = { results: Outcome[] } | { error: string };

/** One step: a command, a transaction, or a pause (for idle-time semantics). */
export type Step = string[] | { tx: string[][] } | { sleep: number };

export interface Side {
  command(argv: string[]): Promise<Outcome>;
  transaction(commands: string[][]): Promise<TxOutcome>;
  close(): Promise<void>;
}

function toReply(value: unknown): Reply {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (Array.isArray(value)) return value.map(toReply);
  throw new TypeError(`unexpected reply ${String(value)}`);
}

function toOutcome(value: unknown): Outcome {
  return value instanceof Error ? { error: value.message } : { result: toReply(value) };
}

/** Real Redis over its own connection (MULTI state is per connection). */
export async function realSide(url: string = inject("redisUrl")): Promise<Side> {
  const client = createClient({ url, RESP: 2 });
  client.on("error", () => {
    // Surfaces on the command that hits it.
  });
  await client.connect();
  /** The reply, or the error reply as an Error (EXEC nests them in its array). */
  const send = async (argv: string[]): Promise<unknown> => {
    try {
      return await client.sendCommand(argv);
    } catch (error) {
      return error;
    }
  };
  return {
    command: async (argv) => toOutcome(await send(argv)),
    async transaction(commands) {
      await send(["MULTI"]);
      // As the bridge's Redis backend reports a discarded transaction: EXECABORT, then the first refusal.
      let refused: string | undefined;
      for (const argv of commands) {
        const queued = await send(argv);
        if (queued instanceof Error) refused ??= queued.message;
      }
      const exec = await send(["EXEC"]);
      if (exec instanceof Error) return { error: refused === undefined ? exec.message : `${exec.message} ${refused}` };
      return { results: (exec as unknown[]).map(toOutcome) };
    },
    async close() {
      client.destroy();
    },
  };
}

export async function engineSide(options: EngineOptions = {}): Promise<Side> {
  return createEngineBackend(options);
}

/** A fresh key prefix: test files run in parallel against one Redis. */
export function keyPrefix(label: string): (name: string) => string {
  const prefix = `engine-diff:${label}:${randomUUID().slice(0, 8)}:`;
  return (name) => `${prefix}${name}`;
}

const IDLE_TOLERANCE_MS = 60;

/** Paths (indexes from the reply root) whose numbers are clock readings. */
function timedPaths(argv: readonly string[], reply: Reply): number[][] {
  const name = argv.map((arg) => arg.toLowerCase());
  const rows = Array.isArray(reply) ? reply : [];
  if (name[0] === "xpending" && argv.length >= 6) return rows.map((_, i) => [i, 2]);
  if (name[0] === "xinfo" && name[1] === "consumers") return rows.map((_, i) => [i, 5]);
  if (name[0] === "pttl" || name[0] === "ttl") return [[]];
  if (name[0] === "xinfo" && name[1] === "stream" && name[3] === "full") {
    const paths: number[][] = [];
    const groupsAt = rows.indexOf("groups") + 1;
    (rows[groupsAt] as Reply[] | undefined)?.forEach((group, g) => {
      const fields = group as Reply[];
      const pending = fields[fields.indexOf("pending") + 1] as Reply[];
      pending.forEach((_, p) => paths.push([groupsAt, g, fields.indexOf("pending") + 1, p, 2]));
      const consumersAt = fields.indexOf("consumers") + 1;
      (fields[consumersAt] as Reply[]).forEach((consumer, c) => {
        const cf = consumer as Reply[];
        paths.push([groupsAt, g, consumersAt, c, cf.indexOf("seen-time") + 1]);
        const own = cf[cf.indexOf("pending") + 1] as Reply[];
        own.forEach((_, p) => paths.push([groupsAt, g, consumersAt, c, cf.indexOf("pending") + 1, p, 1]));
      });
    });
    return paths;
  }
  return [];
}

/** Replaces what may legitimately differ, so a plain deep-equal does the rest. */
function normalize(argv: readonly string[], outcome: Outcome, timed: number[][], mark: (path: number[], value: number) => void): unknown {
  if ("error" in outcome) return outcome;
  const name = argv[0]!.toLowerCase();
  const copy = structuredClone(outcome.result);
  for (const path of timed) {
    if (path.length === 0) {
      mark(path, copy as number);
      return { result: "<time>" };
    }
    let node = copy as Reply[];
    for (const index of path.slice(0, -1)) node = node[index] as Reply[];
    const last = path[path.length - 1]!;
    if (typeof node[last] === "number") {
      mark(path, node[last] as number);
      node[last] = "<time>";
    }
  }
  if (name === "xinfo" && argv[1]?.toLowerCase() === "stream" && Array.isArray(copy)) {
    const at = copy.indexOf("radix-tree-nodes");
    if (at >= 0) copy[at + 1] = "<ignored>";
  }
  if ((name === "keys" || name === "scan") && Array.isArray(copy)) {
    const list = (name === "keys" ? copy : copy[1]) as string[];
    list.sort();
  }
  if (name === "time") return { result: "<time>" };
  return { result: copy };
}

/** null when the outcomes match, else why not. */
export function compareOutcomes(argv: readonly string[], real: Outcome, mine: Outcome): string | null {
  const timed = "result" in real ? timedPaths(argv, real.result) : [];
  const realTimes = new Map<string, number>();
  const a = normalize(argv, real, timed, (path, value) => realTimes.set(path.join("."), value));
  const drift: string[] = [];
  const b = normalize(argv, mine, timed, (path, value) => {
    const expected = realTimes.get(path.join("."));
    const tolerance = argv[0]!.toLowerCase() === "ttl" ? 1 : IDLE_TOLERANCE_MS;
    if (expected === undefined || Math.abs(expected - value) > tolerance) drift.push(`${path.join(".")}: ${expected} vs ${value}`);
  });
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    return `redis:  ${JSON.stringify(real)}\nengine: ${JSON.stringify(mine)}`;
  }
  if (drift.length) return `time fields differ beyond ${IDLE_TOLERANCE_MS} ms: ${drift.join(", ")}`;
  return null;
}

export interface Mismatch {
  step: number;
  what: string;
  detail: string;
}

/** Runs steps on both sides in lockstep; returns every mismatch (empty when identical). */
export async function runDifferential(steps: readonly Step[], sides: { real: Side; engine: Side }): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const [index, step] of steps.entries()) {
    if ("sleep" in step) {
      await new Promise((resolve) => setTimeout(resolve, step.sleep));
    } else if ("tx" in step) {
      const real = await sides.real.transaction(step.tx);
      const mine = await sides.engine.transaction(step.tx);
      const detail = compareTransaction(step.tx, real, mine);
      if (detail) mismatches.push({ step: index, what: `MULTI ${JSON.stringify(step.tx)} EXEC`, detail });
    } else {
      const real = await sides.real.command(step);
      const mine = await sides.engine.command(step);
      const detail = compareOutcomes(step, real, mine);
      if (detail) mismatches.push({ step: index, what: JSON.stringify(step), detail });
    }
  }
  return mismatches;
}

function compareTransaction(commands: string[][], real: TxOutcome, mine: TxOutcome): string | null {
  if ("error" in real || "error" in mine) {
    return JSON.stringify(real) === JSON.stringify(mine) ? null : `redis:  ${JSON.stringify(real)}\nengine: ${JSON.stringify(mine)}`;
  }
  if (real.results.length !== mine.results.length) return `result counts ${real.results.length} vs ${mine.results.length}`;
  const details = commands
    .map((argv, i) => compareOutcomes(argv, real.results[i]!, mine.results[i]!))
    .filter((detail) => detail !== null);
  return details.length ? details.join("\n") : null;
}

export function describeMismatches(mismatches: readonly Mismatch[], header = ""): string {
  return [header, ...mismatches.slice(0, 5).map((m) => `step ${m.step}: ${m.what}\n${m.detail}`)].join("\n\n");
}
