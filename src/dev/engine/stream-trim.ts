/**
 * streamTrim from Redis 7.0: whole nodes go first; `~` stops at the first
 * node it cannot drop whole, `=` marks single entries deleted inside that
 * node. LIMIT caps the entries one call may remove (whole nodes only).
 */
import type { Stream } from "./stream.js";
import { compareIds, MIN_ID, type StreamId } from "./stream-id.js";

export type TrimArgs =
  | { strategy: "maxlen"; maxlen: number; approx: boolean; limit: number }
  | { strategy: "minid"; minid: StreamId; approx: boolean; limit: number };

/** Returns how many entries were removed. */
export function trimStream(stream: Stream, args: TrimArgs): number {
  let deleted = 0;
  for (let n = 0; n < stream.nodes.length; ) {
    if (args.strategy === "maxlen" && stream.length <= args.maxlen) break;
    const node = stream.nodes[n]!;
    const entries = node.live;
    if (args.limit && deleted + entries > args.limit) break;

    // MINID compares the node's last entry, tombstone or not, as lpGetEdgeStreamID does.
    const removeNode =
      args.strategy === "maxlen"
        ? stream.length - entries >= args.maxlen
        : compareIds(node.items[node.items.length - 1]!.id, args.minid) < 0;
    if (removeNode) {
      stream.nodes.splice(n, 1);
      stream.length -= entries;
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    let fromNode = 0;
    for (const item of node.items) {
      const stop =
        args.strategy === "maxlen" ? stream.length <= args.maxlen : compareIds(item.id, args.minid) >= 0;
      if (stop) break;
      if (!item.deleted) {
        item.deleted = true;
        fromNode++;
        stream.length--;
      }
    }
    node.live -= fromNode;
    node.deleted += fromNode;
    deleted += fromNode;
    break;
  }
  if (deleted) stream.firstId = stream.firstEntry()?.id ?? MIN_ID;
  return deleted;
}
