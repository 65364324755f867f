/** Small helpers for reading a check's outcomes and printing what was seen. */
import type { Outcome, Reply } from "../core/redis/transport.js";
import { isError } from "../core/redis/transport.js";

/** A reply or error, short enough for one table cell. */
export function show(value: Outcome | Reply | undefined, max = 80): string {
  let text: string;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    text = isError(value) ? `error "${value.error}"` : JSON.stringify(value.result);
  } else {
    text = JSON.stringify(value) ?? "undefined";
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The error text of an outcome, or undefined when it succeeded. */
export const errorOf = (o: Outcome | undefined): string | undefined =>
  o !== undefined && isError(o) ? o.error : undefined;

/** The result of an outcome; throws with the error otherwise, so the runner reports it against the check. */
export function resultOf(o: Outcome | undefined, what: string): Reply {
  if (o === undefined) throw new Error(`${what}: no reply`);
  if (isError(o)) throw new Error(`${what} failed: ${o.error}`);
  return o.result;
}

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The count of an `XPENDING <stream> <group>` summary; NaN when the reply is not one. */
export function pendingCountOf(o: Outcome | undefined): number {
  const summary = resultOf(o, "XPENDING");
  return Array.isArray(summary) ? Number(summary[0]) : NaN;
}
