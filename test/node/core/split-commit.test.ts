/**
 * How a commit too large for one request is split (plain values, no Redis):
 * a replayed entry's dead-letter settle travels in the same MULTI/EXEC as
 * that entry's own XACK, so neither can land without the other.
 */
import { describe, expect, it } from "vitest";
import type { Outcome } from "../../../src/core/handle/handle-batch.js";
import { defaultOptions } from "../../../src/core/define/options.js";
import { splitCommit } from "../../../src/core/run/split-commit.js";

const stream = "orders";
const message = (id: string, fields: Record<string, string>) => ({ id, stream, group: "g", fields, attempt: 1 });

describe("splitCommit", () => {
  it("keeps a replayed entry's settle in the part that acknowledges it", () => {
    const options = { ...defaultOptions(stream), maxRequestBytes: 65_536 };
    const outcomes: Outcome[] = [
      { message: message("10-0", { n: "replayed" }), ok: true, effects: [] },
      { message: message("11-0", { big: "x".repeat(30_000) }), ok: false, permanent: true, error: "bad" },
      { message: message("12-0", { big: "y".repeat(30_000) }), ok: false, permanent: true, error: "bad" },
    ];
    const parts = splitCommit({
      fn: "f", stream, group: "g", consumer: "f-0", options, outcomes, expired: [], trimmed: [], released: [], skipped: [],
      replayOf: [{ dlq: options.deadLetterStream, id: "9-0", entry: "10-0" }], now: 0,
    });
    expect(parts.length).toBeGreaterThan(1);
    const acking = parts.filter((p) => p.commands.some((c) => c[0] === "XACK" && c.includes("10-0")));
    const settling = parts.filter((p) => p.commands.some((c) => c[0] === "XDEL" && c.includes("9-0")));
    expect(acking).toHaveLength(1);
    expect(settling).toEqual(acking);
  });

  it("keeps a lane's replayed entry's settle with that lane's XACK, though another lane's entry has the same id", () => {
    const options = { ...defaultOptions(stream), maxRequestBytes: 65_536 };
    const high = `${stream}:lane:high`;
    const outcomes: Outcome[] = [
      { message: message("10-0", { big: "x".repeat(30_000) }), ok: false, permanent: true, error: "bad" },
      { message: message("11-0", { big: "y".repeat(30_000) }), ok: false, permanent: true, error: "bad" },
      { message: { ...message("10-0", { n: "replayed" }), stream: high }, ok: true, effects: [] },
    ];
    const parts = splitCommit({
      fn: "f", stream, group: "g", consumer: "f-0", options, outcomes, expired: [], trimmed: [], released: [], skipped: [],
      replayOf: [{ dlq: options.deadLetterStream, id: "9-0", entry: "10-0", stream: high }], now: 0,
    });
    expect(parts.length).toBeGreaterThan(1);
    const acking = parts.filter((p) => p.commands.some((c) => c[0] === "XACK" && c[1] === high && c.includes("10-0")));
    const settling = parts.filter((p) => p.commands.some((c) => c[0] === "XDEL" && c.includes("9-0")));
    expect(acking).toHaveLength(1);
    expect(settling).toEqual(acking);
  });
});
