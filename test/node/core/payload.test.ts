/**
 * JSON bodies' encoding (core/define/payload.ts), with plain values: what
 * JSON carries exactly passes, what it would drop or change is refused
 * naming the path, and a stored entry decodes back to body and headers.
 */
import { describe, expect, it } from "vitest";
import { bodyFields, decodeBody, encodeBody } from "../../../src/core/define/payload.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { createWorker } from "../../../src/index.js";

describe("encodeBody", () => {
  it.each([[{ a: [1, "two", { three: null }] }], ["42"], [42], [null], [[]], [JSON.parse('{"__proto__": {"x": 1}}')], ["\ud800 lone"], [-1.5e-7]])("carries %j exactly", (v) => {
    expect(JSON.parse(encodeBody(v))).toEqual(v);
  });

  it.each([
    [undefined, "body: a undefined is not a JSON value"],
    [{ a: [1, () => 1] }, "body.a[1]: a function is not a JSON value"],
    [{ n: NaN }, "body.n: NaN is not a JSON number"],
    [{ at: new Date(0) }, "body.at: a Date is not a plain JSON object"],
    [{ m: new Map() }, "body.m: a Map is not a plain JSON object"],
    [{ big: 1n }, "body.big: a bigint is not a JSON value"],
    [{ o: Object.create({ inherited: 1 }) }, "body.o: an object with a prototype of its own is not a plain JSON object"],
  ])("refuses %s naming the path", (v, message) => {
    expect(() => encodeBody(v)).toThrow(message);
  });

  it("refuses a cycle and nesting past 64 levels, but not a shared value", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeBody(cyclic)).toThrow("body.self: refers back to itself");
    const shared = { s: 1 };
    expect(JSON.parse(encodeBody({ a: shared, b: shared }))).toEqual({ a: { s: 1 }, b: { s: 1 } });
    expect(() => encodeBody(JSON.parse("[".repeat(66) + "]".repeat(66)))).toThrow("nested deeper than 64 levels");
  });
});

describe("decodeBody and bodyFields", () => {
  it("round-trips a body and its headers, and refuses a header named body", () => {
    const fields = bodyFields({ a: 1 }, { account: "a-1" });
    expect(fields).toEqual({ body: '{"a":1}', account: "a-1" });
    expect(decodeBody(fields)).toEqual({ ok: true, body: { a: 1 }, headers: { account: "a-1" } });
    expect(() => bodyFields(1, { body: "x" })).toThrow('a header may not be named "body"');
  });

  it("names why an entry has no readable body", () => {
    expect(decodeBody({ other: "x" })).toMatchObject({ ok: false, error: expect.stringContaining("has no `body` field") });
    expect(decodeBody({ body: "{" })).toMatchObject({ ok: false, error: expect.stringContaining("`body` field is not JSON") });
  });
});

describe("payload in a definition", () => {
  const def = { name: "p", stream: "p", group: "g", crons: ["* * * * *"], handle: async () => {} };
  it("is json or fields, nothing else", () => {
    expect(() => definePollingFunction({ ...def, payload: "xml" as never })).toThrow(/`payload` must be "json" or "fields"; got "xml"/);
    expect(definePollingFunction({ ...def, payload: "json" }).payload).toBe("json");
  });
  it("must agree between the functions of one stream", () => {
    const a = definePollingFunction({ ...def, name: "a", payload: "json" });
    const b = definePollingFunction({ ...def, name: "b", group: "h" });
    expect(() => createWorker({ functions: [a, b] })).toThrow(ConfigError);
    expect(() => createWorker({ functions: [a, b] })).toThrow(/a and b both consume "p", but only one has `payload: "json"`/);
  });
});
