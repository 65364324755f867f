/**
 * Samples the group while the drill runs: progress (entries in the ledger
 * and the dead-letter stream), the group's pending count and lag
 * (`XINFO GROUPS`), and every consumer's pending count (`XINFO CONSUMERS`),
 * keeping the largest ever seen: Upstash refuses a consumer's reads at 1000.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Reader } from "./reader.js";
import { xinfo, xlen } from "./reader.js";

export interface Sample {
  tMs: number;
  settled: number;
  pending: number;
  lag: number | null;
  maxConsumerPending: number;
}

export interface GroupState {
  pending: number;
  /** Null when Redis cannot tell (`lag` is nil), or the group does not exist yet. */
  lag: number | null;
  lastDeliveredId: string;
  consumers: { name: string; pending: number }[];
}

export interface SamplerOptions {
  reader: Reader;
  stream: string;
  group: string;
  /** Where settled messages land. */
  sinks: readonly string[];
  everyMs?: number;
  startedAt: number;
}

export interface Sampler {
  /** Settled messages at the last sample. */
  readonly settled: number;
  /** Largest pending count of one consumer, and whose. */
  readonly maxConsumerPending: { pending: number; consumer: string; tMs: number };
  /** Largest pending count of the whole group (overlapping runs each apply `maxPending` to what they read). */
  readonly maxGroupPending: { pending: number; tMs: number };
  readonly consumersSeen: ReadonlySet<string>;
  /** About one sample a second. */
  readonly timeline: readonly Sample[];
  readonly samples: number;
  stop(): Promise<void>;
}

export async function groupState(r: Reader, stream: string, group: string): Promise<GroupState | undefined> {
  const row = (await xinfo(r, ["GROUPS", stream])).find((g) => g.name === group);
  if (!row) return undefined;
  const consumers = (await xinfo(r, ["CONSUMERS", stream, group])).map((c) => ({ name: String(c.name), pending: Number(c.pending) }));
  return { pending: Number(row.pending), lag: row.lag === null || row.lag === undefined ? null : Number(row.lag), lastDeliveredId: String(row["last-delivered-id"]), consumers };
}

export function startSampler(o: SamplerOptions): Sampler {
  const { everyMs = 250 } = o;
  const timeline: Sample[] = [];
  const consumersSeen = new Set<string>();
  const max = { pending: 0, consumer: "", tMs: 0 };
  const maxGroup = { pending: 0, tMs: 0 };
  let settled = 0;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const counts = await Promise.all(o.sinks.map((s) => xlen(o.reader, s)));
        settled = counts.reduce((a, b) => a + b, 0);
        const g = await groupState(o.reader, o.stream, o.group);
        const tMs = Date.now() - o.startedAt;
        let top = 0;
        for (const c of g?.consumers ?? []) {
          consumersSeen.add(c.name);
          top = Math.max(top, c.pending);
          if (c.pending > max.pending) Object.assign(max, { pending: c.pending, consumer: c.name, tMs });
        }
        if ((g?.pending ?? 0) > maxGroup.pending) Object.assign(maxGroup, { pending: g!.pending, tMs });
        samples += 1;
        const last = timeline[timeline.length - 1];
        if (!last || tMs - last.tMs >= 1_000) timeline.push({ tMs, settled, pending: g?.pending ?? 0, lag: g?.lag ?? null, maxConsumerPending: top });
      } catch {
        // A sample lost to a fault (embedded store: reads cross the bridge) is skipped.
      }
      await sleep(everyMs);
    }
  })();
  return {
    get settled() {
      return settled;
    },
    maxConsumerPending: max,
    maxGroupPending: maxGroup,
    consumersSeen,
    timeline,
    get samples() {
      return samples;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
