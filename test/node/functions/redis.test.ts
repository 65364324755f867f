/** The Worker's Redis transport, built from its bindings once and reused while they stay the same. */
import { describe, expect, inject, it } from "vitest";
import { TransportError } from "../../../src/core/redis/errors.js";
import { databaseTransport, transportFromEnv } from "../../../src/functions/redis.js";

const ping = async (env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string }) => (await transportFromEnv(env).pipeline([["PING"]]))[0];

describe("transportFromEnv", () => {
  const env = { UPSTASH_REDIS_REST_URL: inject("bridgeUrl"), UPSTASH_REDIS_REST_TOKEN: inject("bridgeToken") };

  it("reuses the client for the same bindings, even from another env object, under a merging transport of each invocation's own", async () => {
    expect(databaseTransport({ ...env }, 0)).toBe(databaseTransport(env, 0));
    expect(transportFromEnv({ ...env })).not.toBe(transportFromEnv(env));
    expect(await ping(env)).toEqual({ result: "PONG" });
  });

  it("builds a new client when the URL or the token changes, which talks to the new one", async () => {
    const first = databaseTransport(env, 0);
    const badToken = { ...env, UPSTASH_REDIS_REST_TOKEN: "not-the-token" };
    expect(databaseTransport(badToken, 0)).not.toBe(first);
    await expect(ping(badToken)).rejects.toThrow();
    const elsewhere = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
    await expect(ping(elsewhere)).rejects.toBeInstanceOf(TransportError);
    // And back: the good bindings still reach Redis.
    expect(await ping(env)).toEqual({ result: "PONG" });
  });
});
