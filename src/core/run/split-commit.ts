/**
 * Splits a batch's commit into parts that each fit one request. Upstash
 * refuses a request over 10 MB whole, so a commit that grows past it (say,
 * thirty big dead letters, each escaped twice) would never be applied, and
 * its batch would come back every visibility timeout. Each part is a commit
 * of its own (built by `buildCommit` from a share of the batch, with its own
 * XACK), so a message's effects, dead letter and XACK always travel in the
 * same MULTI/EXEC, and no message is split across two.
 *
 * Parts are packed in batch order from each message's size alone, which
 * overstates a part by an XACK per message (a few dozen bytes); a message is
 * never larger than a part (see commit.ts), so every part fits. A batch that
 * fits one request is one part, exactly as `buildCommit` builds it, and is
 * measured once.
 */
import type { Commit, CommitInput } from "./commit.js";
import { buildCommit } from "./commit.js";
import { commandsBytes, fitsWithin, partBytes } from "../redis/request-bytes.js";

type Parts = "outcomes" | "expired" | "trimmed" | "released" | "skipped" | "replayOf";
type Share = { [K in Parts]: NonNullable<CommitInput[K]>[number][] };
const share = (s: Partial<Share> = {}): Share => ({ outcomes: [], expired: [], trimmed: [], released: [], skipped: [], replayOf: [], ...s });

export function splitCommit(input: CommitInput): Commit[] {
  const limit = partBytes(input.options.maxRequestBytes);
  // The usual batch fits: one build and one measure, not a build per message.
  const whole = buildCommit(input);
  if (fitsWithin(whole.commands, limit)) return [whole];
  // A replayed entry's dead letter is settled in the same MULTI/EXEC as the entry's own XACK or retry: if that
  // part is lost, the entry stays pending, is fetched again, and settles it then. Apart, a lost settle would
  // leave the dead letter behind an acknowledged entry, replayable a second time.
  // By stream and id: entries of two lanes (lanes.ts) may share an id.
  const at = (stream: string | undefined, id: string | undefined) => `${stream ?? input.stream}\n${id ?? ""}`;
  const settles = new Map<string, NonNullable<CommitInput["replayOf"]>[number][]>();
  for (const of of input.replayOf ?? []) settles.set(at(of.stream, of.entry), [...(settles.get(at(of.stream, of.entry)) ?? []), of]);
  const withSettles = (key: string, s: Partial<Share>) => {
    const replayOf = settles.get(key) ?? [];
    settles.delete(key);
    return share({ ...s, replayOf });
  };
  const shares: Share[] = [
    ...input.outcomes.map((x) => withSettles(at(x.message.stream, x.message.id), { outcomes: [x] })),
    ...input.expired.map((x) => withSettles(at(x.message.stream, x.message.id), { expired: [x] })),
    ...input.trimmed.map((x) => share({ trimmed: [x] })),
    ...input.released.map((x) => withSettles(at(x.stream, x.id), { released: [x] })),
    // Replayed entries another group's run skips: each acknowledged once, in whichever part has room.
    ...(input.skipped ?? []).map((x) => share({ skipped: [x] })),
  ];
  for (const rest of settles.values()) shares.push(share({ replayOf: rest }));
  // Alone, each share carries its own XACK and XCLAIM: its size bounds what it adds to a part.
  const sizes = shares.map((s) => commandsBytes(buildCommit({ ...input, ...s }).commands));
  const parts: Share[] = [];
  let part = share();
  let used = 0;
  shares.forEach((one, i) => {
    if (used > 0 && used + sizes[i]! > limit) {
      parts.push(part);
      part = share();
      used = 0;
    }
    part.outcomes.push(...one.outcomes);
    part.expired.push(...one.expired);
    part.trimmed.push(...one.trimmed);
    part.released.push(...one.released);
    part.skipped.push(...one.skipped);
    part.replayOf.push(...one.replayOf);
    used += sizes[i]!;
  });
  parts.push(part);
  return parts.map((p) => buildCommit({ ...input, ...p }));
}
