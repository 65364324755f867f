/**
 * A small drill inside `npm test`: 300 messages through the real stack
 * (Worker under `wrangler dev`, the bridge injecting faults, a redis-server
 * of its own on free ports, never the suite's), one Worker crash, then the
 * accounting. Its runs are fired in overlap mode (4 a second, never
 * awaited), then quiesced, then drained by normal runs. Where the suite runs on the embedded engine (no redis-server),
 * the drill does too. The CLI runs as a child process, exactly as `npm run drill`;
 * it must exit 0, its JSON must show every invariant held, and none of the
 * processes it started may be left.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invariant } from "../../../tools/drill/accounting.js";
import { PROJECT_DIR } from "../../../src/dev/stack/stack.js";
import { ON_ENGINE } from "../../support/store-kind.js";
import { killGroups, processesInGroups, tempDir, waitFor } from "../stack/support.js";

const STORE = ON_ENGINE ? "embedded" : "redis-server";
const ARGS = ["--messages", "300", "--kills", "1", "--fault-rate", "0.03", "--seed", "20240607", "--overlap", "4", "--store", STORE, "--drain-timeout", "120", "--fault-timeout", "120"];

interface DrillJson {
  ok: boolean;
  accounting: {
    invariants: Invariant[];
    lost: string[];
    orders: number;
    acknowledged: number;
    entries: { ledger: number; dlq: number };
    summary: { lost: number; unexpected: number; duplicated: number; goodDeadLetteredAfterMaxDeliveries: number; withPhantomDeliveries: number };
    exhaustedChecks: { ok: boolean }[];
  };
  runs: { overlap?: { cronFired: number; manualFired: number } };
  phases: { quiesce?: { quiet: boolean } };
  faults: { kills: { error?: string }[] };
  processes: { wranglerGroups: number[]; store: number[] };
  leftBehind: number[];
}

describe(`npm run drill, small, on ${STORE}`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let output = "";
  let code: number | null = null;
  let pid: number | undefined;
  const groupsIn = (text: string) => [...text.matchAll(/wrangler group (\d+)/g)].map((m) => Number(m[1]));
  const storeIn = (text: string) => [...text.matchAll(/store pids \[(\d+)\]/g)].map((m) => Number(m[1]));

  beforeAll(async () => {
    dir = await tempDir("drill");
    // Its own redis-server: whatever Redis the suite was given stays out of it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(REDIS_URL|FN_|PAYMENTS_)/.test(name)));
    const child = spawn(process.execPath, ["--import", "tsx", "tools/drill/main.ts", ...ARGS, "--json", join(dir.path, "drill.json")], { cwd: PROJECT_DIR, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    pid = child.pid;
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  }, 240_000);

  afterAll(async () => {
    // Only if the drill hung or crashed: its own stop is what the last test proves.
    if (code === null && pid !== undefined) killGroups([pid]);
    killGroups(groupsIn(output));
    for (const p of storeIn(output)) killGroups([p]);
    await dir?.remove();
  });

  it("exits 0 with every invariant holding", async () => {
    expect(code, output).toBe(0);
    const result = JSON.parse(await readFile(join(dir.path, "drill.json"), "utf8")) as DrillJson;
    expect(result.accounting.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.accounting).toMatchObject({ orders: 300, acknowledged: 300, lost: [] });
    expect(result.accounting.entries.ledger + result.accounting.entries.dlq).toBe(300);
    // Overlap mode fired both kinds of run, and every run had finished before the drain.
    expect(result.runs.overlap!.cronFired).toBeGreaterThan(0);
    expect(result.runs.overlap!.manualFired).toBeGreaterThan(0);
    expect(result.phases.quiesce?.quiet).toBe(true);
    const { goodDeadLetteredAfterMaxDeliveries, ...mustBeZero } = result.accounting.summary;
    expect(mustBeZero).toEqual({ lost: 0, unexpected: 0, duplicated: 0, withPhantomDeliveries: 0 });
    expect(result.accounting.exhaustedChecks).toHaveLength(goodDeadLetteredAfterMaxDeliveries);
    expect(result.faults.kills).toHaveLength(1);
    expect(result.faults.kills[0]!.error).toBeUndefined();
    // The crash started a second wrangler.
    expect(result.processes.wranglerGroups).toHaveLength(2);
    expect(result.processes.store).toHaveLength(STORE === "redis-server" ? 1 : 0);
    expect(output).toMatch(/reproduce with: npm run drill -- --seed 20240607 /);
  });

  it("leaves no process behind", async () => {
    const result = JSON.parse(await readFile(join(dir.path, "drill.json"), "utf8")) as DrillJson;
    expect(result.leftBehind).toEqual([]);
    const groups = [pid!, ...result.processes.wranglerGroups, ...result.processes.store];
    // The store's redis-server leads its own group (spawned detached).
    const left = await waitFor("no process of the drill", async () => ((await processesInGroups(groups)).length === 0 ? true : undefined), 10_000).catch(() => processesInGroups(groups));
    expect(left).toBe(true);
  });
});
