/**
 * A handler's read access to Redis, kept apart from its effects: reads go
 * out at once (one request each, counted against the run's subrequest
 * budget, and in the run report's requests and commands), writes only through `ctx.effects`, committed with the ack. Only
 * commands that cannot change data are let through, so a handler cannot
 * write behind the commit's back and break effects-exactly-once. A visibility
 * extension that is nearly due rides along (visibility.ts `carry`).
 */
import type { SubrequestBudget } from "./budget.js";
import { ConfigError, RedisReplyError } from "../redis/errors.js";
import type { Command, Reply, Transport } from "../redis/transport.js";
import type { Visibility } from "./visibility.js";

const READS = new Set([
  "GET", "MGET", "STRLEN", "GETRANGE", "EXISTS", "TYPE", "TTL", "PTTL",
  "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS",
  "LRANGE", "LLEN", "LINDEX", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD",
  "ZSCORE", "ZMSCORE", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZCARD", "ZCOUNT", "ZRANK",
  "XRANGE", "XREVRANGE", "XLEN",
]);

export type { ReadRedis } from "../define/define.js";
import type { ReadRedis } from "../define/define.js";

export function readOnly(transport: Transport, budget: SubrequestBudget, reserved: number, visibility?: Visibility): ReadRedis {
  return async function read(command) {
    const name = String(command[0] ?? "").toUpperCase();
    if (!READS.has(name)) {
      throw new ConfigError(`ctx.read: ${JSON.stringify(command[0])} is not a read-only command; write through ctx.effects, which commits with the acknowledgement`);
    }
    budget.ensureRoom(reserved);
    // A due visibility extension rides along: a command more, a request less.
    const carried = visibility?.carry();
    let outcomes;
    try {
      outcomes = await transport.pipeline(carried ? [command, ...carried.commands] : [command]);
    } finally {
      carried?.settle(outcomes?.slice(1));
    }
    const [outcome] = outcomes;
    if (!outcome || "error" in outcome) throw new RedisReplyError(`ctx.read ${name}: ${outcome ? outcome.error : "no reply"}`);
    return outcome.result;
  };
}
