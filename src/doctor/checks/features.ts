/**
 * Versions and features, reported as notes: what the database says it is
 * (`INFO server`, where it answers), and whether XINFO GROUPS carries the
 * Redis 7.0 fields `entries-read` and `lag` (the dashboard shows lag; without
 * them it shows none). Fails only when XINFO GROUPS cannot be read at all.
 */
import { parseGroupsInfo } from "../../core/redis/parse-replies.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { describeError, errorOf, resultOf } from "../outcome.js";
import { groupedStream } from "../setup.js";

export const NAME = "XINFO GROUPS / version";

export const featuresCheck: Check = {
  name: NAME,
  cost: "1 request, 6 commands",
  async run(ctx) {
    const { stream, create } = groupedStream(ctx, "features");
    const [, , , , groups, info] = await ctx.transport.pipeline([
      ...create,
      ["XADD", stream, "*", "n", "1"],
      ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", stream, ">"],
      ["XINFO", "GROUPS", stream],
      ["INFO", "server"],
    ]);
    const version = versionOf(info === undefined || errorOf(info) !== undefined ? undefined : resultOf(info, "INFO"));
    let observed: string;
    let ok = true;
    let lag = false;
    try {
      const raw = resultOf(groups, "XINFO GROUPS");
      const [group] = parseGroupsInfo(raw);
      // Present as fields at all (a nil value is still Redis 7's shape).
      const fields = Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : [];
      lag = fields.includes("lag") && fields.includes("entries-read");
      observed = group ? `pending ${group.pending}, lag ${group.lag ?? "nil"}, entries-read ${group.entriesRead ?? "nil"}` : "no group listed";
      ok = group !== undefined && group.pending === 1;
    } catch (error) {
      observed = `unreadable: ${describeError(error).slice(0, 60)}`;
      ok = false;
    }
    const notes = [version ? `redis_version ${version}` : "INFO server not answered", lag ? "lag and entries-read present (7.0+)" : "no lag / entries-read (before 7.0, or not implemented)"];
    return [row(NAME, "readable, pending 1", observed, ok, notes.join("; "))];
  },
};

function versionOf(info: unknown): string | undefined {
  if (typeof info !== "string") return undefined;
  return /^redis_version:(.+)$/m.exec(info)?.[1]?.trim();
}
