/**
 * The drill's orders: a seeded, shuffled mix of clean, `fail-once`,
 * `always-fail` and invalid `payments` messages, each with a unique key.
 *
 * The key is the order's `orderID`. An invalid order that lacks its
 * `orderID` carries the key in `ref` instead, so its dead letter (whose
 * `fields` keep every original field) can still be matched to it.
 */
import type { Fields } from "../../src/core/redis/parse-replies.js";

export type OrderKind = "clean" | "fail-once" | "always-fail" | "invalid";

export interface Order {
  key: string;
  kind: OrderKind;
  fields: Fields;
}

export interface Mix {
  /** Share of `simulate: fail-once`. @default 0.30 */
  failOnce: number;
  /** Share of `simulate: always-fail`. @default 0.05 */
  alwaysFail: number;
  /** Share of invalid orders (no orderID, or a bad amount). @default 0.01 */
  invalid: number;
}

export const DEFAULT_MIX: Mix = { failOnce: 0.3, alwaysFail: 0.05, invalid: 0.01 };

/** Exactly round(n × share) of each kind, in a seeded order. */
export function makeOrders(n: number, mix: Mix, random: () => number, prefix: string): Order[] {
  const counts = { "fail-once": Math.round(n * mix.failOnce), "always-fail": Math.round(n * mix.alwaysFail), invalid: Math.round(n * mix.invalid) };
  const special = counts["fail-once"] + counts["always-fail"] + counts.invalid;
  if (special > n) throw new TypeError(`the mix asks for ${special} special orders out of ${n}`);
  const kinds: OrderKind[] = [
    ...Array<OrderKind>(counts["fail-once"]).fill("fail-once"),
    ...Array<OrderKind>(counts["always-fail"]).fill("always-fail"),
    ...Array<OrderKind>(counts.invalid).fill("invalid"),
    ...Array<OrderKind>(n - special).fill("clean"),
  ];
  shuffle(kinds, random);
  return kinds.map((kind, i) => order(`${prefix}-${String(i).padStart(6, "0")}`, kind, random));
}

function order(key: string, kind: OrderKind, random: () => number): Order {
  const amount = `${1 + Math.floor(random() * 500)}.${String(Math.floor(random() * 100)).padStart(2, "0")}`;
  if (kind === "clean") return { key, kind, fields: { orderID: key, amount } };
  if (kind !== "invalid") return { key, kind, fields: { orderID: key, amount, simulate: kind } };
  // The ways payments' validation refuses an order (PermanentError: dead-lettered after one delivery).
  const variant = Math.floor(random() * 4);
  if (variant === 0) return { key, kind, fields: { ref: key, amount } };
  const bad = ["abc", "-5.00", "0"][variant - 1]!;
  return { key, kind, fields: { orderID: key, amount: bad } };
}

/** The accounting key of a message's fields: `orderID`, else `ref` (see above). */
export const keyOf = (fields: Fields): string | undefined => (fields.orderID ? fields.orderID : fields.ref || undefined);

function shuffle<T>(list: T[], random: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
