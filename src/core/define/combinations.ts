/**
 * Which options compose. Every pair of the options below either composes
 * (and the property-based fault tests exercise it: test/property) or is
 * refused here, at definition time, with an error that names both options
 * and says why the pair cannot mean something. The README's combination
 * table is this list; a test holds the two together.
 */
import { ConfigError } from "../redis/errors.js";
import type { FunctionOptions } from "./options.js";

export const COMBINED = [
  "ordered",
  "rateLimit",
  "keyConcurrency",
  "delays",
  "noAck",
  "retention",
  "partitions",
  "maxParallelRuns",
  "handleBatch",
  "schema",
  "pollIntervalMs",
  "maxHandlerMs",
  "payload",
  "lanes",
] as const;

export type Combined = (typeof COMBINED)[number];

/** What a definition sets beyond its options (define.ts knows them; FN_* overrides cannot change them). */
export interface Shape {
  handleBatch: boolean;
  schema: boolean;
  partitions: boolean;
  /** `payload: "json"`. */
  payload: boolean;
}

interface Refusal {
  pair: readonly [Combined, Combined];
  /** Narrows the refusal to the settings where the pair means nothing. */
  when?: (o: FunctionOptions) => boolean;
  why: string;
}

export const REFUSED: readonly Refusal[] = [
  {
    pair: ["ordered", "noAck"],
    why: "a key's order across a crash rests on its messages staying pending until acknowledged, and NOACK reads leave nothing pending",
  },
  {
    pair: ["ordered", "maxParallelRuns"],
    why: "one run holds an ordered function's lease at a time, so runs beyond the first would only find it leased",
  },
  {
    pair: ["ordered", "handleBatch"],
    why: "ordered handles a key's messages one after another and holds the key when one fails, and a batch handler settles the whole batch in one call",
  },
  {
    pair: ["ordered", "keyConcurrency"],
    when: (o) => o.partitionKey === undefined || o.keyConcurrency?.field === o.partitionKey,
    why:
      "on the ordering field (`partitionKey`, or every message when it is unset) it adds nothing: ordered already handles one message of a key at a time; " +
      "give keyConcurrency a field other than partitionKey",
  },
  {
    pair: ["keyConcurrency", "noAck"],
    why: "a message held back at its key's limit must wait pending for a later pass, and a NOACK read leaves it nowhere to wait: it would be lost",
  },
  {
    pair: ["maxHandlerMs", "noAck"],
    why: "extending visibility keeps a pending message from recovery, and a NOACK read leaves nothing pending: there is no visibility to extend",
  },
  {
    pair: ["ordered", "lanes"],
    why:
      "each lane is a stream of its own, read by share, so a key's later message in a higher lane is read and handled before its earlier one still waiting in a lower lane: " +
      "per-key order cannot hold across lanes",
  },
];

/** The options of `COMBINED` a function uses. */
export function usedOptions(o: FunctionOptions, shape?: Shape): Set<Combined> {
  const used = new Set<Combined>();
  const set = (name: Combined, on: boolean) => on && used.add(name);
  set("ordered", o.ordered);
  set("rateLimit", o.rateLimit !== undefined);
  set("keyConcurrency", o.keyConcurrency !== undefined);
  set("delays", o.delays);
  set("noAck", o.noAck);
  set("retention", o.retention !== undefined);
  set("maxParallelRuns", o.maxParallelRuns > 1);
  set("pollIntervalMs", o.pollIntervalMs > 0);
  set("maxHandlerMs", o.maxHandlerMs !== undefined);
  set("partitions", shape?.partitions ?? false);
  set("handleBatch", shape?.handleBatch ?? false);
  set("schema", shape?.schema ?? false);
  set("payload", shape?.payload ?? false);
  set("lanes", o.lanes !== undefined);
  return used;
}

/** Throws `ConfigError` for the first refused pair the function uses. */
export function checkCombinations(where: string, o: FunctionOptions, shape?: Shape): void {
  const used = usedOptions(o, shape);
  for (const r of REFUSED) {
    const [a, b] = r.pair;
    if (used.has(a) && used.has(b) && (r.when?.(o) ?? true)) {
      throw new ConfigError(`${where}: \`${a}\` cannot be combined with \`${b}\`: ${r.why}`);
    }
  }
}
