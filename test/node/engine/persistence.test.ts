/**
 * Persistence: after a clean close, after a crash at any moment (copies of
 * the data directory taken mid-run), and after a real kill -9, a new engine
 * on the same directory holds exactly the acknowledged state: every stream
 * entry, every PEL entry (owner, delivery count, delivery time), every
 * group's last-delivered-id, every consumer's seen time.
 */
import { spawn } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, test } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { CorruptLogError, createEngineBackend, DataDirLockedError } from "../../../src/dev/engine/index.js";
import { dumpState } from "./dump.js";
import type { Step } from "./harness.js";
import { prng, randomScript } from "./random-script.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cronsumer-engine-"));
  dirs.push(dir);
  return dir;
}

/** A clock the test moves by hand, so idle and delivery times replay exactly. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

async function apply(backend: Backend, step: Step): Promise<void> {
  if (Array.isArray(step)) await backend.command(step);
  else if ("tx" in step) await backend.transaction(step.tx);
}

describe("engine persistence", () => {
  test("a closed engine reopens with identical state", async () => {
    const dir = tempDir();
    const clock = fakeClock();
    const first = await createEngineBackend({ dataDir: dir, now: clock.now });
    const random = prng(7);
    for (const step of randomScript(7, 1200, (name) => name)) {
      clock.advance(Math.floor(random() * 40));
      await apply(first, step);
    }
    await first.command(["SET", "ttl", "v", "PX", "100000"]);
    await first.command(["HSET", "h", "b", "2", "a", "1"]);
    await first.command(["RPUSH", "l", "x", "y"]);
    await first.command(["ZADD", "z", "0.1", "a", "-inf", "b", "1700000000000", "c"]);
    const before = await dumpState(first);
    await first.close();
    expect(readdirSync(dir).sort()).toEqual(["log.1.jsonl", "snapshot.jsonl"]);

    const second = await createEngineBackend({ dataDir: dir, now: clock.now });
    expect(await dumpState(second)).toEqual(before);
    await second.close();
  });

  test("a crash at any moment, across compactions, loses nothing acknowledged", async () => {
    const dir = tempDir();
    const clock = fakeClock();
    // A tiny compaction threshold, so crash images land before, between and after compactions.
    const live = await createEngineBackend({ dataDir: dir, now: clock.now, compactAtBytes: 16 * 1024 });
    const random = prng(11);
    const steps = randomScript(11, 2000, (name) => name);
    for (const [index, step] of steps.entries()) {
      clock.advance(Math.floor(random() * 40));
      await apply(live, step);
      if (index % 400 !== 399) continue;
      // What is on disk right now is what a kill -9 would leave behind.
      const image = tempDir();
      cpSync(dir, image, { recursive: true });
      const restored = await createEngineBackend({ dataDir: image, now: clock.now });
      expect(await dumpState(restored), `crash image after step ${index}`).toEqual(await dumpState(live));
      await restored.close();
    }
    const logs = readdirSync(dir).filter((name) => name.startsWith("log."));
    expect(Number(logs[0]?.split(".")[1]), "compactions during the run").toBeGreaterThanOrEqual(3);
    await live.close();
  });

  test("kill -9 of a writing process loses nothing it acknowledged", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "crash-child.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    let lastAdded = 0;
    const delivered: string[] = [];
    let lockedWhileRunning: unknown;
    for await (const line of createInterface({ input: child.stdout! })) {
      const [, kind, ...rest] = line.split(" ");
      if (line === "ready") {
        lockedWhileRunning = await createEngineBackend({ dataDir: dir }).catch((error: unknown) => error);
      } else if (kind === "add") lastAdded = Number(rest[0]);
      else if (kind === "read") delivered.push(...rest.filter(Boolean));
      // Enough writes to be mid-stream when killed; more only costs time on a loaded machine.
      if (lastAdded >= 300) child.kill("SIGKILL");
    }
    expect(await exited).toBe("SIGKILL");
    expect(lockedWhileRunning).toBeInstanceOf(DataDirLockedError);

    const engine = await createEngineBackend({ dataDir: dir });
    const range = await engine.command(["XRANGE", "s", "-", `${lastAdded}-0`]);
    expect("result" in range && (range.result as unknown[]).length).toBe(lastAdded);
    const pending = await engine.command(["XPENDING", "s", "g", "-", "+", "100000"]);
    const pendingIds = "result" in pending ? (pending.result as string[][]).map((row) => row[0]) : [];
    expect(pendingIds.slice(0, delivered.length)).toEqual(delivered);
    await engine.close();
  }, 90_000);

  test("a torn last record is dropped; damage before it refuses to start", async () => {
    const dir = tempDir();
    const first = await createEngineBackend({ dataDir: dir, fsync: "always" });
    await first.command(["XADD", "s", "1-0", "f", "v"]);
    const before = await dumpState(first);
    // Simulate the kill: keep the log as it is, drop the lock as a dead process would.
    cpSync(dir, `${dir}-crashed`, { recursive: true });
    dirs.push(`${dir}-crashed`);
    await first.close();
    const crashed = `${dir}-crashed`;
    appendFileSync(join(crashed, "log.0.jsonl"), '{"t":1,"c":[["XADD","s","2-0"');
    const reopened = await createEngineBackend({ dataDir: crashed });
    expect(await dumpState(reopened)).toEqual(before);
    await reopened.command(["XADD", "s", "3-0", "f", "v"]);
    await reopened.close();

    const damaged = tempDir();
    writeFileSync(join(damaged, "log.0.jsonl"), 'garbage\n{"t":1,"c":[["SET","k","v"]]}\n');
    await expect(createEngineBackend({ dataDir: damaged })).rejects.toBeInstanceOf(CorruptLogError);
    // A refused start leaves the directory unlocked.
    writeFileSync(join(damaged, "log.0.jsonl"), "");
    await (await createEngineBackend({ dataDir: damaged })).close();
  });

  test("one engine per directory; the clock resumes from the data", async () => {
    const dir = tempDir();
    const clock = fakeClock(5_000_000);
    const first = await createEngineBackend({ dataDir: dir, now: clock.now });
    await expect(createEngineBackend({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    const id = await first.command(["XADD", "s", "*", "f", "v"]);
    expect(id).toEqual({ result: "5000000-0" });
    await first.close();

    // The machine's clock went back an hour: new IDs must still grow.
    clock.set(5_000_000 - 3_600_000);
    const second = await createEngineBackend({ dataDir: dir, now: clock.now });
    expect(await second.command(["XADD", "s", "*", "f", "v"])).toEqual({ result: "5000000-1" });
    expect(await second.command(["TIME"])).toEqual({ result: ["5000", "0"] });
    await second.close();
    await expect(second.command(["PING"])).rejects.toThrow(/closed/);
  });
});
