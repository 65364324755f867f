/**
 * Against a store that breaks one assumption, `cronsumer doctor` exits
 * non-zero and names the check that caught it, and only that one; its keys
 * are deleted all the same. Each store is the embedded engine behind a
 * bridge, made wrong in one way by a wrapper around its backend.
 */
import { describe, expect, it } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { bridgeOver, doctor, keysLeft, misbehaving, type Misbehaviour } from "./support.js";

/** The two costly checks are left out where they are not the point. */
const CHEAP = ["--skip", "per-consumer pending limit", "--skip", "request size cap"];

const withoutOption = (argv: string[], command: string, option: string) => {
  if (argv[0]?.toUpperCase() !== command) return argv;
  const at = argv.findIndex((a) => a.toUpperCase() === option);
  return at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
};

const cases: { store: string; misbehaviour: Misbehaviour; failing: string; args?: string[] }[] = [
  {
    store: "answers XAUTOCLAIM with two elements (the Redis 6.2 shape)",
    misbehaviour: { outcome: (argv, o) => (argv[0] === "XAUTOCLAIM" && "result" in o && Array.isArray(o.result) ? { result: o.result.slice(0, 2) } : o) },
    failing: "XAUTOCLAIM reply",
  },
  {
    store: "lets XREADGROUP read when one of its streams lacks the group",
    misbehaviour: { outcome: (argv, o) => (argv[0] === "XREADGROUP" && "error" in o && o.error.startsWith("NOGROUP") ? { result: null } : o) },
    failing: "XREADGROUP gate (NOGROUP)",
  },
  {
    store: "ignores XCLAIM's RETRYCOUNT",
    misbehaviour: { command: (argv) => withoutOption(argv, "XCLAIM", "RETRYCOUNT") },
    failing: "XCLAIM IDLE/RETRYCOUNT/JUSTID: RETRYCOUNT",
  },
  {
    store: "ignores XPENDING's IDLE",
    misbehaviour: { command: (argv) => withoutOption(argv, "XPENDING", "IDLE") },
    failing: "XPENDING IDLE",
  },
  {
    store: "answers XPENDING … IDLE with something that is not a listing",
    misbehaviour: { outcome: (argv, o) => (argv[0] === "XPENDING" && argv.includes("IDLE") ? { result: "garbage" } : o) },
    failing: "XPENDING IDLE",
  },
  {
    store: "says a read past 1000 pending was refused, yet delivers it",
    misbehaviour: {
      outcome: (argv, o) =>
        argv[0] === "XREADGROUP" && argv.at(-2)?.endsWith(":pel-limit") && argv[5] === "1"
          ? { error: "ERR XReadGroup is cancelled. Pending Entries List limit per consumer is about to be reached." }
          : o,
    },
    failing: "per-consumer pending limit",
    args: ["--skip", "request size cap"],
  },
  {
    store: "runs a transaction a command of which was refused at queue time",
    misbehaviour: { transactionAsPipeline: true },
    failing: "MULTI/EXEC: queue-time error",
  },
];

describe("doctor against a store that misbehaves", () => {
  it.each(cases)("fails naming the check when the store $store", async ({ misbehaviour, failing, args = CHEAP }) => {
    const bridge = await bridgeOver(misbehaving(await createEngineBackend(), misbehaviour));
    try {
      const run = await doctor(bridge.url, bridge.token, args);
      expect(run.code).toBe(1);
      expect(run.output.trimEnd().split("\n").at(-1)).toBe(`MISMATCH in: ${failing}`);
      expect(await keysLeft(bridge)).toEqual([]);
    } finally {
      await bridge.close();
    }
  });

  it("fails the request size cap when a request over the cap is applied", async () => {
    const bridge = await bridgeOver(await createEngineBackend(), 4 * 1024 * 1024);
    try {
      const run = await doctor(bridge.url, bridge.token, ["--max-request-bytes", String(1024 * 1024), "--skip", "per-consumer pending limit"]);
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/request size cap: 1114112 B .*APPLIED.*MISMATCH/);
      expect(run.output.trimEnd().split("\n").at(-1)).toBe("MISMATCH in: request size cap: 1114112 B");
      expect(await keysLeft(bridge)).toEqual([]);
    } finally {
      await bridge.close();
    }
  });
});

describe("doctor's per-consumer pending limit", () => {
  /** Upstash's words, delivering nothing, once the reading consumer already holds 1000 pending. */
  const upstashLike = async (): Promise<Backend> => {
    const held = new Map<string, number>();
    const consumer = (argv: string[]) => (argv[0] === "XREADGROUP" ? `${argv.at(-2)}/${argv[3]}` : undefined);
    return misbehaving(await createEngineBackend(), {
      intercept: (argv) => {
        const c = consumer(argv);
        return c !== undefined && (held.get(c) ?? 0) >= 1000
          ? { error: "ERR XReadGroup is cancelled. Pending Entries List limit per consumer is about to be reached." }
          : undefined;
      },
      outcome: (argv, o) => {
        const c = consumer(argv);
        if (c !== undefined && "result" in o && Array.isArray(o.result)) {
          const read = (o.result[0] as [string, unknown[]] | undefined)?.[1]?.length ?? 0;
          held.set(c, (held.get(c) ?? 0) + read);
        }
        return o;
      },
    });
  };

  it("accepts a store that refuses past 1000 pending, and says so", async () => {
    const bridge = await bridgeOver(await upstashLike());
    try {
      const run = await doctor(bridge.url, bridge.token, ["--skip", "request size cap"]);
      expect(run.output).toMatch(/per-consumer pending limit .* 1000, then refused; 1000 pending +ok/);
      expect(run.output).toContain("limit enforced (Upstash)");
      expect(run.code).toBe(0);
    } finally {
      await bridge.close();
    }
  });
});
