/**
 * Request sizes as the client sends them: `commandsBytes` is the UTF-8 length
 * of `JSON.stringify`, and `fitsWithin` answers what comparing it would,
 * including at the limit itself, whether or not its quick bound decides.
 */
import { describe, expect, it } from "vitest";
import { commandsBytes, fitsWithin } from "../../../src/core/redis/request-bytes.js";
import type { Command } from "../../../src/core/redis/transport.js";

const samples: Command[][] = [
  [],
  [["XACK", "s", "g", "1764823468123-0", "1764823468123-1"]],
  [["XADD", "dlq", "*", "payload", '{"a":"quote \\" and \\\\ backslash"}', "n", 42]],
  [["HSET", "k", "ctl", "\u0001\u0002\n\t", "emoji", "😀 é ü", "lone", "\ud800x"]],
  [["PEXPIRE", "k", 604_800_000], ["LPUSH", "runs", "x".repeat(5_000)]],
];

describe("request bytes", () => {
  it("counts what JSON.stringify sends, in UTF-8", () => {
    for (const commands of samples) expect(commandsBytes(commands)).toBe(new TextEncoder().encode(JSON.stringify(commands)).length);
  });

  it("fit exactly when the counted bytes are within the limit, at, below and above it", () => {
    for (const commands of samples) {
      const bytes = commandsBytes(commands);
      for (const limit of [0, bytes - 1, bytes, bytes + 1, bytes * 7 + 100]) expect(fitsWithin(commands, limit)).toBe(bytes <= limit);
    }
  });
});
