/** wrangler.toml's crons and the functions' crons must match exactly: a missing cron never runs, an extra one is billed for nothing. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { functions } from "../../../src/functions/index.js";

function wranglerCrons(): string[] {
  const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
  const triggers = /\[triggers\][^[]*?crons\s*=\s*\[([^\]]*)\]/s.exec(toml);
  if (!triggers) throw new Error("wrangler.toml has no [triggers] crons");
  return [...triggers[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

describe("crons", () => {
  it("every function's cron is in wrangler.toml", () => {
    const declared = new Set(wranglerCrons());
    for (const fn of functions) for (const cron of fn.crons) expect(declared, `${fn.name}: ${cron}`).toContain(cron);
  });

  it("every wrangler.toml cron serves a function", () => {
    const used = new Set(functions.flatMap((f) => f.crons));
    for (const cron of wranglerCrons()) expect(used, cron).toContain(cron);
  });

  it("function names are unique", () => {
    const names = functions.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
