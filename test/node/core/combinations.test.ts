/**
 * The combination matrix (core/define/combinations.ts): every pair of the
 * matrix's options is accepted at definition time or refused with an error
 * naming both, and the README's table says the same as the code.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMBINED, type Combined, REFUSED } from "../../../src/core/define/combinations.js";
import { definePollingFunction, type PollingFunctionDefinition } from "../../../src/core/define/define.js";
import { ConfigError } from "../../../src/core/redis/errors.js";

const schema = { "~standard": { version: 1, vendor: "test", validate: (value: unknown) => ({ value }) } } as const;

/** A definition that turns on one option of the matrix. */
function withOption(def: PollingFunctionDefinition, name: Combined): PollingFunctionDefinition {
  const o = { ...def.options };
  switch (name) {
    case "ordered":
      return { ...def, options: { ...o, ordered: true, partitionKey: "account" } };
    case "rateLimit":
      return { ...def, options: { ...o, rateLimit: { limit: 10, periodMs: 1_000 } } };
    case "keyConcurrency":
      return { ...def, options: { ...o, keyConcurrency: { field: "merchant", max: 2 } } };
    case "delays":
      return { ...def, options: { ...o, delays: true } };
    case "noAck":
      return { ...def, options: { ...o, noAck: true } };
    case "retention":
      return { ...def, options: { ...o, retention: { maxLen: 100 } } };
    case "partitions":
      return { ...def, partitions: { count: 2, key: "account" } };
    case "maxParallelRuns":
      return { ...def, options: { ...o, maxParallelRuns: 2 } };
    case "handleBatch": {
      const { handle: _, ...rest } = def;
      return { ...rest, handleBatch: async () => {} };
    }
    case "schema":
      return { ...def, schema: schema as never };
    case "pollIntervalMs":
      return { ...def, options: { ...o, pollIntervalMs: 1_000 } };
    case "maxHandlerMs":
      return { ...def, options: { ...o, maxHandlerMs: 20_000 } };
    case "payload":
      return { ...def, payload: "json" };
    case "lanes":
      return { ...def, options: { ...o, lanes: { names: ["high", "low"] } } };
  }
}

const base = (): PollingFunctionDefinition => ({ name: "combo", stream: "combo", group: "g", crons: ["* * * * *"], handle: async () => {}, options: {} });
const pairs = COMBINED.flatMap((a, i) => COMBINED.slice(i + 1).map((b) => [a, b] as const));
const refusal = (a: Combined, b: Combined) => REFUSED.find((r) => (r.pair[0] === a && r.pair[1] === b) || (r.pair[0] === b && r.pair[1] === a));

describe("every pair of the matrix's options", () => {
  it.each(pairs)("%s with %s is accepted, or refused naming both and why", (a, b) => {
    const define = () => definePollingFunction(withOption(withOption(base(), a), b));
    const refused = refusal(a, b);
    // A refusal narrowed to some settings (ordered × keyConcurrency on the ordering field) has its own test below; these fields differ.
    if (refused === undefined || refused.when) {
      expect(define).not.toThrow();
      return;
    }
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(new RegExp(`\`(${a}|${b})\` cannot be combined with \`(${a}|${b})\`: ${escape(refused.why.slice(0, 40))}`));
    expect(define).not.toThrow(/\byet\b/);
  });

  it("ordered with keyConcurrency on another field than the ordering one composes; on the same field it is refused", () => {
    const ordered = withOption(base(), "ordered");
    expect(() => definePollingFunction({ ...ordered, options: { ...ordered.options, keyConcurrency: { field: "merchant", max: 1 } } })).not.toThrow();
    expect(() => definePollingFunction({ ...ordered, options: { ...ordered.options, keyConcurrency: { field: "account", max: 1 } } })).toThrow(/adds nothing/);
  });

  it("are refused the same way when an FN_* override turns one on at run time", async () => {
    const { resolveOptions } = await import("../../../src/core/define/define.js");
    const fn = definePollingFunction(withOption(base(), "keyConcurrency"));
    expect(() => resolveOptions(fn, { FN_COMBO_NO_ACK: "true" }, 1)).toThrow(/`keyConcurrency` cannot be combined with `noAck`/);
  });
});

describe("the README's combination table", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### Combinations"));
  // Up to the next heading: later tables have rows that open with an option's name too.
  const table = section.slice(0, section.indexOf("\n#", 1));
  it("lists every option of the matrix as a row", () => {
    for (const name of COMBINED) expect(table).toMatch(new RegExp(`^\\| \`${name}\``, "m"));
  });
  it("marks exactly the refused pairs as refused", () => {
    const rows = new Map(
      table
        .split("\n")
        .filter((l) => /^\| `/.test(l))
        .map((l) => {
          const cells = l.split("|").slice(1, -1).map((c) => c.trim());
          return [cells[0]!.replace(/`/g, ""), cells.slice(1)] as const;
        }),
    );
    for (const [a, b] of pairs) {
      const cell = rows.get(a)?.[COMBINED.indexOf(b)] ?? rows.get(b)?.[COMBINED.indexOf(a)];
      expect(cell, `${a} × ${b}`).toBeDefined();
      expect(cell!.startsWith("✗"), `${a} × ${b}: ${cell}`).toBe(refusal(a, b) !== undefined);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\`]/g, "\\$&");
}
