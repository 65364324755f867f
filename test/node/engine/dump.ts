/**
 * Everything observable about a backend's state, as one comparable value:
 * every key's type, TTL and contents, and for streams the full XINFO (node
 * packing, PEL owners, delivery counts and times, consumers' seen times).
 * With a frozen clock, two engines with the same state dump identically.
 */
import type { Backend, Outcome, Reply } from "../../../src/dev/bridge/backend.js";

function result(outcome: Outcome): Reply {
  if ("error" in outcome) throw new Error(outcome.error);
  return outcome.result;
}

export async function dumpState(backend: Backend): Promise<Record<string, unknown>> {
  const run = async (...argv: string[]) => result(await backend.command(argv));
  const keys = ((await run("KEYS", "*")) as string[]).sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const type = (await run("TYPE", key)) as string;
    const ttl = await run("PTTL", key);
    if (type === "string") state[key] = { type, ttl, value: await run("GET", key) };
    else if (type === "hash") state[key] = { type, ttl, value: await run("HGETALL", key) };
    else if (type === "list") state[key] = { type, ttl, value: await run("LRANGE", key, "0", "-1") };
    else if (type === "zset") state[key] = { type, ttl, value: await run("ZRANGEBYSCORE", key, "-inf", "+inf", "WITHSCORES") };
    else {
      const groups = (await run("XINFO", "GROUPS", key)) as Reply[][];
      const perGroup: Record<string, unknown> = {};
      for (const group of groups) {
        const name = group[1] as string;
        perGroup[name] = {
          consumers: await run("XINFO", "CONSUMERS", key, name),
          summary: await run("XPENDING", key, name),
          pending: await run("XPENDING", key, name, "-", "+", "1000000"),
        };
      }
      state[key] = {
        type,
        ttl,
        info: await run("XINFO", "STREAM", key),
        full: await run("XINFO", "STREAM", key, "FULL", "COUNT", "0"),
        groups: perGroup,
      };
    }
  }
  return state;
}
