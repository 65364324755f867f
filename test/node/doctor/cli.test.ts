/**
 * The command line as a user runs it (`npm run doctor` runs this same
 * command): the exit code says whether the database agrees, a usage error is
 * exit 2, and the token, given through the environment, is never printed.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { bridgeOver, type PrivateBridge } from "./support.js";

/** Asynchronous: the bridge answering the child lives in this process. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("cronsumer doctor on the command line", () => {
  let bridge: PrivateBridge;
  beforeAll(async () => {
    bridge = await bridgeOver(await createEngineBackend());
  });
  afterAll(() => bridge?.close());

  it("exits 0 when every check agrees, reading the URL and token from the environment", async () => {
    const run = await cli(["doctor", "--skip", "per-consumer pending limit", "--skip", "request size cap"], {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    });
    expect(run.output).toContain("all checks passed");
    expect(run.output).not.toContain(bridge.token);
    expect(run.code).toBe(0);
  });

  it("exits 1 on the connection row, and runs no check, when the token is wrong", async () => {
    const run = await cli(["doctor", "--url", bridge.url], { UPSTASH_REDIS_REST_TOKEN: "not-the-token" });
    expect(run.output).toMatch(/connection +PONG .*Unauthorized.*MISMATCH/);
    expect(run.output).not.toContain("XAUTOCLAIM reply  ");
    expect(run.output).not.toContain("not-the-token");
    expect(run.code).toBe(1);
  });

  it("exits 2 naming the problem on a usage error", async () => {
    expect(await cli(["doctor"], {})).toMatchObject({ code: 2, output: expect.stringContaining("--url or UPSTASH_REDIS_REST_URL is required") });
    expect(await cli(["doctor", "--skip", "nonsense"], { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: "t" })).toMatchObject({
      code: 2,
      output: expect.stringContaining('--skip "nonsense" names no check'),
    });
    expect((await cli(["frobnicate"])).code).toBe(2);
  });

  it("refuses a token in the process arguments, where every user of the machine could read it", async () => {
    const run = await cli(["doctor", "--url", bridge.url, "--token", bridge.token], {});
    expect(run.code).toBe(2);
    expect(run.output).toContain("--token is not accepted");
    expect(run.output).not.toContain(bridge.token);
  });
});
