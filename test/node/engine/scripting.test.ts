/**
 * What only the engine can show about its Lua: a script's writes survive a
 * crash through the log without Lua to replay them, the sandbox keeps Node
 * out of reach, a runaway script is stopped, SCRIPT FLUSH, and the Lua 5.4
 * differences the README tells script writers to avoid. Runs with or
 * without a real Redis: it starts its own engines.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { dumpState } from "./dump.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cronsumer-lua-"));
  dirs.push(dir);
  return dir;
}

describe("engine scripts", () => {
  test("a script's writes reach the log one by one, so a crash image replays them without Lua", async () => {
    const dir = tempDir();
    const live = await createEngineBackend({ dataDir: dir, now: () => 1_700_000_000_000 });
    await live.command(["SET", "str", "x"]);
    const script = `redis.call('XADD', KEYS[1], '*', 'n', '1')
      redis.call('XADD', KEYS[1], '*', 'n', '2')
      redis.call('HSET', KEYS[2], 'seen', '2')
      return redis.call('INCR', KEYS[3])`;
    // It fails at its last call; the three writes before it stay, in Redis and here.
    const failed = await live.command(["EVAL", script, "3", "s", "h", "str"]);
    expect(failed).toMatchObject({ error: expect.stringContaining("ERR value is not an integer or out of range script:") });
    expect(await live.command(["EVAL", "return redis.call('GET', KEYS[1])", "1", "str"])).toEqual({ result: "x" });

    const log = readFileSync(join(dir, "log.0.jsonl"), "utf8");
    expect(log).not.toContain("EVAL");
    expect(log).toContain('["XADD","s","*","n","1"]');

    const image = `${dir}-crash`;
    dirs.push(image);
    cpSync(dir, image, { recursive: true });
    const restored = await createEngineBackend({ dataDir: image });
    expect(await dumpState(restored)).toEqual(await dumpState(live));
    expect(await restored.command(["XRANGE", "s", "-", "+"])).toEqual({
      result: [
        ["1700000000000-0", ["n", "1"]],
        ["1700000000000-1", ["n", "2"]],
      ],
    });
    await restored.close();
    await live.close();
  });

  test("the script cache is not persisted, and SCRIPT FLUSH empties it", async () => {
    const dir = tempDir();
    const first = await createEngineBackend({ dataDir: dir });
    const { result: sha } = (await first.command(["SCRIPT", "LOAD", "return 'loaded'"])) as { result: string };
    expect(await first.command(["EVALSHA", sha, "0"])).toEqual({ result: "loaded" });
    expect(await first.command(["SCRIPT", "FLUSH"])).toEqual({ result: "OK" });
    expect(await first.command(["SCRIPT", "EXISTS", sha])).toEqual({ result: [0] });
    expect(await first.command(["EVALSHA", sha, "0"])).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
    await first.command(["SCRIPT", "LOAD", "return 'loaded'"]);
    await first.close();
    const second = await createEngineBackend({ dataDir: dir });
    expect(await second.command(["EVALSHA", sha, "0"])).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
    await second.close();
  });

  test("a script reaches nothing of Node or the host: no io, os, require, files, debug or host functions", async () => {
    const engine = await createEngineBackend();
    for (const name of ["io", "os", "require", "package", "dofile", "loadfile", "print", "debug", "__host_call", "__run", "__invoke_call"]) {
      const reply = await engine.command(["EVAL", `return type(${name})`, "0"]);
      expect(reply, name).toMatchObject({ error: expect.stringContaining(`Script attempted to access nonexistent global variable '${name}'`) });
    }
    // Text only: precompiled bytecode could break out of the VM's checks.
    expect(await engine.command(["EVAL", "local f, e = load('\\27Lua') return {tostring(f), e}", "0"])).toEqual({ result: ["nil", "attempt to load a binary chunk (mode is 't')"] });
    // Library tables are shared by every script: they are read-only.
    expect(await engine.command(["EVAL", "string.evil = 1", "0"])).toMatchObject({ error: expect.stringContaining("Attempt to modify a readonly table") });
    await engine.close();
  });

  test("a runaway script is stopped at the time limit, and the engine answers again", async () => {
    const engine = await createEngineBackend({ scriptTimeLimitMs: 200 });
    const started = Date.now();
    const reply = await engine.command(["EVAL", "redis.call('SET', KEYS[1], 'before') while true do end", "1", "k"]);
    expect(reply).toMatchObject({ error: expect.stringContaining("time limit") });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await engine.command(["GET", "k"])).toEqual({ result: "before" });
    expect(await engine.command(["EVAL", "return 1", "0"])).toEqual({ result: 1 });
    await engine.close();
  });

  test("Lua 5.4 differences the README warns about, and the portable forms", async () => {
    const engine = await createEngineBackend();
    const run = async (script: string) => ((await engine.command(["EVAL", script, "0"])) as { result: unknown }).result;
    // Redis's Lua 5.1 answers "5" and "3": what to avoid.
    expect(await run("return tostring(10 / 2)")).toBe("5.0");
    expect(await run("return tostring(7 // 2)")).toBe("3");
    // Portable: floor first, or return the number (a reply truncates it to an integer either way).
    expect(await run("return tostring(math.floor(10 / 2))")).toBe("5");
    expect(await run("return 10 / 2")).toBe(5);
    expect(await run("return string.format('%d', 10 / 2)")).toBe("5");
    // A number read from Redis is an integer in both.
    expect(await run("return tostring(tonumber('12') + 1)")).toBe("13");
    // 5.1 names Redis scripts use are there.
    expect(await run("return {unpack({1, 2})}")).toEqual([1, 2]);
    expect(await run("return loadstring('return 4')()")).toBe(4);
    await engine.close();
  });
});
