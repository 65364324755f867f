/**
 * `cronsumer doctor` agrees with every store cronsumer is tested on: the
 * bridge over a real redis-server (the suite's own bridge), and a bridge over
 * the embedded engine. Each run deletes every key it wrote.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { CHECKS, KEY_PREFIX } from "../../../src/doctor/index.js";
import { redisTcp, type RedisTcp } from "../../support/keys.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { bridgeOver, doctor, keysLeft, type PrivateBridge } from "./support.js";

const leftovers = async (tcp: RedisTcp) => tcp.keys(`{${KEY_PREFIX}*`);

describe.skipIf(ON_ENGINE)(realRedisOnly("doctor over the bridge to redis-server"), () => {
  let tcp: RedisTcp;
  beforeAll(async () => {
    tcp = await redisTcp();
  });
  afterAll(() => tcp?.destroy());

  it("passes every check, exits 0, and leaves no key behind", async () => {
    const run = await doctor(inject("bridgeUrl"), inject("bridgeToken"));
    expect(run.output).toContain("all checks passed");
    expect(run.output).not.toContain("MISMATCH");
    expect(run.code).toBe(0);
    for (const check of CHECKS) expect(run.output).toContain(check.name);
    expect(run.output).toContain("3-element reply: Redis 7.0+ semantics");
    expect(run.output).toContain("no per-consumer limit (like Redis)");
    expect(run.output).toMatch(/redis_version 7\./);
    expect(await leftovers(tcp)).toEqual([]);
  });

  it("never prints the token", async () => {
    const run = await doctor(inject("bridgeUrl"), inject("bridgeToken"), ["--skip", "per-consumer pending limit", "--skip", "request size cap"]);
    expect(run.code).toBe(0);
    expect(run.output).not.toContain(inject("bridgeToken"));
  });
});

describe("doctor over the bridge to the embedded engine", () => {
  let bridge: PrivateBridge;
  beforeAll(async () => {
    bridge = await bridgeOver(await createEngineBackend());
  });
  afterAll(() => bridge?.close());

  it("passes every check, exits 0, and leaves no key behind", async () => {
    const run = await doctor(bridge.url, bridge.token);
    expect(run.output).toContain("all checks passed");
    expect(run.code).toBe(0);
    expect(run.output).toContain("3-element reply: Redis 7.0+ semantics");
    expect(await keysLeft(bridge)).toEqual([]);
  });

  it("costs what its output says, counted at the bridge", async () => {
    const before = { ...bridge.stats };
    const run = await doctor(bridge.url, bridge.token);
    const said = [...run.output.matchAll(/^  .*?: (\d+) requests?, (\d+) commands?/gm)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(said).toHaveLength(CHECKS.length + 2); // the connection and the cleanup
    const sum = (i: 0 | 1) => said.reduce((total, s) => total + s[i], 0);
    // The over-cap request is refused by the bridge before it reaches the store, as Upstash does not run it.
    expect({ requests: bridge.stats.requests - before.requests, commands: bridge.stats.commands - before.commands }).toEqual({ requests: sum(0), commands: sum(1) });
  });
});
