/**
 * The command table and the checks Redis makes before running a command:
 * known name, arity (both also decide MULTI's queue-time EXECABORT), then
 * the handler. A handler's ReplyError becomes `{ error }`.
 */
import { asciiLower } from "./args.js";
import type { CommandSpec, ContainerSpec, Ctx, Reply } from "./command.js";
import { ReplyError, unknownCommandMessage, unknownSubcommandMessage } from "./errors.js";
import * as hashes from "./commands/hashes.js";
import * as keys from "./commands/keys.js";
import * as lists from "./commands/lists.js";
import * as scripting from "./commands/scripting.js";
import * as server from "./commands/server.js";
import * as strings from "./commands/strings.js";
import { xadd, xdel, xtrim } from "./commands/xadd.js";
import { xautoclaim, xclaim } from "./commands/xclaim.js";
import * as xgroup from "./commands/xgroup.js";
import { XINFO_HELP, xinfoConsumers, xinfoGroups, xinfoStream } from "./commands/xinfo.js";
import { xack, xpending } from "./commands/xpending.js";
import { xlen, xrange, xrevrange } from "./commands/xrange.js";
import { xread, xreadgroup } from "./commands/xread.js";
import * as zsets from "./commands/zsets.js";

const read = (arity: number, run: CommandSpec["run"]): CommandSpec => ({ arity, write: false, run });
const write = (arity: number, run: CommandSpec["run"]): CommandSpec => ({ arity, write: true, run });

/** Arities are Redis 7.0's (COMMAND INFO). */
const COMMANDS: Record<string, CommandSpec | ContainerSpec> = {
  ping: read(-1, server.ping),
  echo: read(2, server.echo),
  time: read(1, server.time),
  del: write(-2, keys.del),
  exists: read(-2, keys.exists),
  type: read(2, keys.type),
  keys: read(2, keys.keys),
  scan: read(-2, keys.scan),
  expire: write(-3, keys.expire),
  pexpire: write(-3, keys.pexpire),
  ttl: read(2, keys.ttl),
  pttl: read(2, keys.pttl),
  dbsize: read(1, keys.dbsize),
  flushdb: write(-1, keys.flush),
  flushall: write(-1, keys.flush),
  get: read(2, strings.get),
  mget: read(-2, strings.mget),
  strlen: read(2, strings.strlen),
  set: write(-3, strings.set),
  incr: write(2, strings.incr),
  decr: write(2, strings.decr),
  incrby: write(3, strings.incrby),
  decrby: write(3, strings.decrby),
  hset: write(-4, hashes.hset),
  hget: read(3, hashes.hget),
  hmget: read(-3, hashes.hmget),
  hgetall: read(2, hashes.hgetall),
  hdel: write(-3, hashes.hdel),
  hincrby: write(4, hashes.hincrby),
  hlen: read(2, hashes.hlen),
  lpush: write(-3, lists.lpush),
  rpush: write(-3, lists.rpush),
  lrange: read(4, lists.lrange),
  ltrim: write(4, lists.ltrim),
  llen: read(2, lists.llen),
  zadd: write(-4, zsets.zadd),
  zrem: write(-3, zsets.zrem),
  zcard: read(2, zsets.zcard),
  zscore: read(3, zsets.zscore),
  zrange: read(-4, zsets.zrange),
  zrangebyscore: read(-4, zsets.zrangebyscore),
  zremrangebyscore: write(4, zsets.zremrangebyscore),
  xadd: write(-5, xadd),
  xlen: read(2, xlen),
  xrange: read(-4, xrange),
  xrevrange: read(-4, xrevrange),
  xdel: write(-3, xdel),
  xtrim: write(-4, xtrim),
  xread: read(-4, xread),
  xreadgroup: write(-7, xreadgroup),
  xack: write(-4, xack),
  xclaim: write(-6, xclaim),
  xautoclaim: write(-6, xautoclaim),
  xpending: read(-3, xpending),
  xgroup: {
    arity: -2,
    subcommands: {
      create: write(-5, xgroup.xgroupCreate),
      setid: write(-5, xgroup.xgroupSetId),
      destroy: write(4, xgroup.xgroupDestroy),
      createconsumer: write(5, xgroup.xgroupCreateConsumer),
      delconsumer: write(5, xgroup.xgroupDelConsumer),
      help: read(2, () => xgroup.XGROUP_HELP),
    },
  },
  // Not `write`: a script's own writes are logged one by one as they run, never the EVAL.
  eval: read(-3, scripting.evalScript),
  evalsha: read(-3, scripting.evalsha),
  eval_ro: read(-3, scripting.evalReadOnly),
  evalsha_ro: read(-3, scripting.evalshaReadOnly),
  script: {
    arity: -2,
    subcommands: {
      load: read(3, scripting.scriptLoad),
      exists: read(-3, scripting.scriptExists),
      flush: read(-2, scripting.scriptFlush),
      kill: read(2, scripting.scriptKill),
    },
  },
  xinfo: {
    arity: -2,
    subcommands: {
      stream: read(-3, xinfoStream),
      groups: read(3, xinfoGroups),
      consumers: read(4, xinfoConsumers),
      help: read(2, () => XINFO_HELP),
    },
  },
};

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

export type Lookup = { spec: CommandSpec } | { error: string };

/** What Redis checks before it runs (or queues) a command. */
export function lookup(argv: readonly string[]): Lookup {
  const name = asciiLower(argv[0] ?? "");
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) return { error: unknownCommandMessage(argv) };
  if ("run" in entry) {
    return arityOk(entry.arity, argv.length)
      ? { spec: entry }
      : { error: `ERR wrong number of arguments for '${name}' command` };
  }
  if (argv.length === 1) return { error: `ERR wrong number of arguments for '${name}' command` };
  const subname = asciiLower(argv[1]!);
  const sub = Object.hasOwn(entry.subcommands, subname) ? entry.subcommands[subname] : undefined;
  if (!sub) return { error: unknownSubcommandMessage(argv) };
  if (!arityOk(sub.arity, argv.length)) {
    return { error: `ERR wrong number of arguments for '${name}|${subname}' command` };
  }
  return { spec: sub };
}

export type Outcome = { result: Reply } | { error: string };

/** Runs an already looked-up command; only ReplyError is a Redis error, anything else is a bug. */
export function run(spec: CommandSpec, ctx: Ctx, argv: readonly string[]): Outcome {
  try {
    return { result: spec.run(ctx, argv) };
  } catch (error) {
    if (error instanceof ReplyError) return { error: error.message };
    throw error;
  }
}
