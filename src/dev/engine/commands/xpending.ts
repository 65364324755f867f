/**
 * XACK and XPENDING: the PEL from the outside.
 * @see https://redis.io/commands/xpending
 */
import { isOption, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, noGroup, SYNTAX } from "../errors.js";
import { sortedByName, type ConsumerGroup } from "../group.js";
import { compareIds, formatId, parseRangeEnd, parseRangeStart, parseStrictId } from "../stream-id.js";

/** The group at `key`, or NOGROUP; WRONGTYPE for a key of another type. */
export function requireGroup(ctx: Ctx, key: string, name: string): ConsumerGroup {
  return ctx.db.get(key, "stream")?.groups.get(name) ?? noGroup(key, name);
}

export function xack(ctx: Ctx, argv: readonly string[]): Reply {
  const group = ctx.db.get(argv[1]!, "stream")?.groups.get(argv[2]!);
  ctx.unchanged = true;
  if (!group) return 0;
  // All IDs are checked first: an error must not follow a partial acknowledgement.
  const ids = argv.slice(3).map(parseStrictId);
  let acknowledged = 0;
  for (const id of ids) {
    if (group.dropNack(id)) acknowledged++;
  }
  ctx.unchanged = acknowledged === 0;
  return acknowledged;
}

function summary(group: ConsumerGroup): Reply {
  const first = group.pel.first();
  const last = group.pel.last();
  if (!first || !last) return [0, null, null, null];
  const owners = sortedByName(group.consumers.values())
    .filter((consumer) => consumer.pel.size > 0)
    .map((consumer): Reply => [consumer.name, String(consumer.pel.size)]);
  return [group.pel.size, formatId(first), formatId(last), owners];
}

export function xpending(ctx: Ctx, argv: readonly string[]): Reply {
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) fail(SYNTAX);
  if (argv.length === 3) return summary(requireGroup(ctx, argv[1]!, argv[2]!));

  // Range arguments are validated before the key, as Redis does.
  let at = 3;
  let minIdle = 0;
  if (isOption(argv[3], "idle")) {
    minIdle = parseInteger(argv[4]!);
    if (argv.length < 8) fail(SYNTAX);
    at += 2;
  }
  let count = Math.max(0, parseInteger(argv[at + 2]!));
  const start = parseRangeStart(argv[at]!);
  const end = parseRangeEnd(argv[at + 1]!);
  const consumerName = argv[at + 3];

  const group = requireGroup(ctx, argv[1]!, argv[2]!);
  let pel = group.pel;
  if (consumerName !== undefined) {
    const consumer = group.lookupConsumer(consumerName);
    if (!consumer) return [];
    pel = consumer.pel;
  }
  const out: Reply[] = [];
  for (const [id, nack] of pel.from(start)) {
    if (!count || compareIds(id, end) > 0) break;
    const idle = ctx.now - nack.deliveryTime;
    if (minIdle && idle < minIdle) continue;
    count--;
    out.push([formatId(id), nack.consumer!.name, Math.max(0, idle), nack.deliveryCount]);
  }
  return out;
}
