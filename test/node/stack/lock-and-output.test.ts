/**
 * Small pieces of `npm start`: the state-directory lock (a live owner is
 * refused, a dead one's lock is taken over) and the filter that keeps
 * wrangler's output readable.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerOutputFilter } from "../../../src/dev/stack/banner.js";
import { acquireLock, LockedError } from "../../../src/dev/stack/lock.js";
import { tempDir } from "./support.js";

describe("acquireLock", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => (dir = await tempDir("lock")));
  afterAll(() => dir.remove());

  it("writes this process's pid and removes the file on release", async () => {
    const path = join(dir.path, "a.lock");
    const lock = await acquireLock(path);
    expect((await readFile(path, "utf8")).trim()).toBe(String(process.pid));
    await lock.release();
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });

  it("refuses while the owner lives, naming it and the directory", async () => {
    const path = join(dir.path, "b.lock");
    await writeFile(path, `${process.ppid}\n`);
    const error = await acquireLock(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as Error).message).toContain(`pid ${process.ppid}`);
    expect((error as Error).message).toContain(dir.path);
  });

  it("takes over a lock whose owner is gone", async () => {
    const path = join(dir.path, "c.lock");
    await writeFile(path, "2147483646\n");
    const lock = await acquireLock(path);
    expect((await readFile(path, "utf8")).trim()).toBe(String(process.pid));
    await lock.release();
  });
});

describe("workerOutputFilter", () => {
  it("drops successful request lines and keeps failures", () => {
    const filter = workerOutputFilter();
    expect(filter("[wrangler:info] GET /__scheduled 200 OK (12ms)")).toBeUndefined();
    expect(filter("[wrangler:info] POST /functions/payments/run 200 OK (40ms)")).toBeUndefined();
    expect(filter("[wrangler:info] GET /functions 500 Internal Server Error (3ms)")).toBe("[wrangler:info] GET /functions 500 Internal Server Error (3ms)");
  });

  it("prints a repeated line once per window", () => {
    let now = 0;
    const filter = workerOutputFilter({ repeatWindowMs: 1000, now: () => now });
    const line = "cronsumer: skipping webhook: WEBHOOK_URL is not set";
    expect(filter(line)).toBe(line);
    now = 999;
    expect(filter(line)).toBeUndefined();
    now = 1000;
    expect(filter(line)).toBe(line);
  });

  it("passes everything with verbose", () => {
    expect(workerOutputFilter({ verbose: true })("[wrangler:info] GET / 200 OK (1ms)")).toBe("[wrangler:info] GET / 200 OK (1ms)");
  });
});
