import { describe, expect, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { transportFromEnv } from "../../../src/functions/redis.js";

const fn = (databases: number) =>
  definePollingFunction({ name: "orders", stream: "orders", group: "g", crons: ["* * * * *"], handle: async () => {}, partitions: { count: 4, key: "account", databases } });
const env = { UPSTASH_REDIS_REST_URL: "https://db0", UPSTASH_REDIS_REST_TOKEN: "t0" };

describe("transportFromEnv with partitions over several databases", () => {
  it("names the missing variable of database j", () => {
    expect(() => transportFromEnv(env, [fn(3)])).toThrow(ConfigError);
    expect(() => transportFromEnv(env, [fn(3)])).toThrow("UPSTASH_REDIS_REST_URL_1 is not set (database 1");
    expect(() => transportFromEnv({ ...env, UPSTASH_REDIS_REST_URL_1: "https://db1", UPSTASH_REDIS_REST_TOKEN_1: "t1", UPSTASH_REDIS_REST_URL_2: "https://db2" }, [fn(3)])).toThrow(
      "UPSTASH_REDIS_REST_TOKEN_2 is not set",
    );
  });

  it("refuses a shared dead-letter stream, which several databases would split", () => {
    const shared = definePollingFunction({ ...fn(2), partitions: { count: 4, key: "account", databases: 2 }, options: { deadLetterStream: "orders:dlq" } });
    expect(() => transportFromEnv({ ...env, UPSTASH_REDIS_REST_URL_1: "https://db1", UPSTASH_REDIS_REST_TOKEN_1: "t1" }, [shared])).toThrow("leave `deadLetterStream` unset");
  });

  it("needs only the default pair with one database", () => {
    expect(() => transportFromEnv(env, [fn(1)])).not.toThrow();
  });
});
