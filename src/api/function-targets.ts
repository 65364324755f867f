/**
 * What `/functions/:name/…` acts on: one function, or, for a partitioned
 * function's own name, every one of its members, so an operator can pause,
 * resume or run "orders" without listing `orders-p0` … `orders-p15`.
 */
import type { PollingFunction } from "../core/define/define.js";
import type { Catalog } from "./catalog.js";

export type Targets = { one: PollingFunction } | { partitioned: string; members: readonly PollingFunction[] };

/** 404 (function_not_found) when `name` is neither a function nor a partitioned function. */
export function targetsOf(catalog: Catalog, name: string): Targets {
  const members = catalog.membersOf(name);
  if (members.length > 0 && !catalog.functions.some((fn) => fn.name === name)) return { partitioned: name, members };
  return { one: catalog.functionNamed(name) };
}
