/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD / EXISTS / FLUSH / KILL,
 * with Redis 7.0's error texts. A script runs synchronously inside this one
 * command, so nothing else runs between its writes; its `redis.call`s go
 * through `ctx.call`, which logs each write as if it had been sent alone
 * (Redis 7's effects replication), so the log never needs Lua to replay.
 * @see https://redis.io/docs/latest/develop/interactive/programmability/eval-intro/
 */
import { asciiLower, isOption, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, subcommandSyntax } from "../errors.js";
import { NOSCRIPT, type Script } from "../lua/scripts.js";
import { encodeOutcome } from "../lua/wire.js";
import { isStatus } from "../status-replies.js";

function runScript(ctx: Ctx, argv: readonly string[], script: () => Script, readOnly: boolean): Reply {
  const numkeys = parseInteger(argv[2]!);
  if (numkeys < 0) fail("ERR Number of keys can't be negative");
  if (numkeys > argv.length - 3) fail("ERR Number of keys can't be greater than number of args");
  const { sha, readOnly: flagged } = script();
  const outcome = ctx.scripts.vm!.run(sha, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), (command) => {
    const done = ctx.call(command, readOnly || flagged);
    const result = "result" in done ? done.result : undefined;
    return encodeOutcome(done, typeof result === "string" && isStatus(asciiLower(command[0]!), command, result));
  }, ctx.scripts.timeLimitMs);
  if ("error" in outcome) fail(outcome.error);
  return outcome.result;
}

const byBody = (ctx: Ctx, argv: readonly string[]) => () => ctx.scripts.load(argv[1]!);
const bySha = (ctx: Ctx, argv: readonly string[]) => () => ctx.scripts.get(argv[1]!) ?? fail(NOSCRIPT);

export const evalScript = (ctx: Ctx, argv: readonly string[]): Reply => runScript(ctx, argv, byBody(ctx, argv), false);
export const evalsha = (ctx: Ctx, argv: readonly string[]): Reply => runScript(ctx, argv, bySha(ctx, argv), false);
export const evalReadOnly = (ctx: Ctx, argv: readonly string[]): Reply => runScript(ctx, argv, byBody(ctx, argv), true);
export const evalshaReadOnly = (ctx: Ctx, argv: readonly string[]): Reply => runScript(ctx, argv, bySha(ctx, argv), true);

export function scriptLoad(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.scripts.load(argv[2]!).sha;
}

export function scriptExists(ctx: Ctx, argv: readonly string[]): Reply {
  return argv.slice(2).map((sha) => (ctx.scripts.get(sha) ? 1 : 0));
}

export function scriptFlush(ctx: Ctx, argv: readonly string[]): Reply {
  if (argv.length > 3) subcommandSyntax(argv);
  if (argv.length === 3 && !isOption(argv[2], "sync") && !isOption(argv[2], "async")) fail("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  ctx.scripts.flush();
  return "OK";
}

/** Nothing can be running while a command is: a script never outlives its EVAL here. */
export function scriptKill(): Reply {
  fail("NOTBUSY No scripts in execution right now.");
}
