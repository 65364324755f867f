import { describe, expect, it } from "vitest";
import { keyConcurrency } from "../../../../src/core/features/run/key-concurrency.js";
import { slowDown } from "../../../../src/core/features/run/slow-down.js";
import { delays } from "../../../../src/core/features/run/delays.js";
import { retention } from "../../../../src/core/features/run/retention.js";
import { featuresOf } from "../../../../src/core/features/index.js";
import { emptyFetch } from "../../../../src/core/handle/fetched.js";
import { visibility } from "../../../../src/core/features/run/visibility.js";
import { message, scope } from "./scope.js";

describe("the slow-down feature", () => {
  it("writes the longest slow-down asked for once, in the next commit", () => {
    const s = scope({ rateLimit: { limit: 1, periodMs: 1_000 } });
    const f = slowDown(s);
    f.slowDown!(200);
    f.handled!([{ message: message("1-0"), ok: false, permanent: false, slowDownMs: 500, error: "429" }]);
    expect(f.ride!("read")!.ops.map((o) => o.command)).toEqual([["SET", "{s}:cronsumer-slow:g", String(s.now() + 500), "PX", 500]]);
    expect(f.ride!("read")).toBeUndefined();
    expect(s.stops).toEqual([]);
  });

  it("stops this run's reading when no rate limit makes the other runs read it", () => {
    const s = scope();
    const f = slowDown(s);
    f.handled!([{ message: message("1-0"), ok: false, permanent: false, slowDownMs: 500, error: "429" }]);
    expect(s.stops).toEqual(["rateLimit"]);
  });
});

describe("the key-concurrency feature", () => {
  it("is absent without the option, and costs one request per batch with it", () => {
    expect(keyConcurrency(scope(), undefined)).toBeUndefined();
    expect(keyConcurrency(scope(), { field: "k", max: 1 })!.requestsPerBatch).toBe(1);
  });

  it("lets an empty batch through without a request", async () => {
    const f = keyConcurrency(scope(), { field: "k", max: 1 })!;
    const none = emptyFetch();
    expect(await f.admit!(undefined as never, none)).toBe(none);
    expect(f.ride!("last")).toBeUndefined();
  });
});

describe("the delays and retention features", () => {
  it("delays replaces the first request's summary with the promotion script", () => {
    expect(delays(scope())).toBeUndefined();
    const op = delays(scope({ delays: true }))!.first!().summary!("s");
    expect(op.command[0]).toBe("EVAL");
  });

  it("retention keeps its requests free and stores the report itself", () => {
    expect(retention(scope())).toBeUndefined();
    const f = retention(scope({ retention: {} }))!;
    expect(f.requestsAfterRun).toBe(3);
    expect(typeof f.finish).toBe("function");
  });
});

describe("a run's feature list", () => {
  it("holds only the features a function's options turn on, pause and slow-down always", () => {
    const names = (o: Parameters<typeof scope>[0]) => featuresOf(scope(o)).length;
    expect(names({ noAck: true })).toBe(2);
    expect(names({})).toBe(3);
    expect(names({ rateLimit: { limit: 1, periodMs: 1_000 }, keyConcurrency: { field: "k", max: 1 }, delays: true, retention: {} })).toBe(7);
    // Visibility extension joins only when a batch may need extensions it must keep subrequests for.
    expect(names({ maxHandlerMs: 20_000, visibilityTimeoutMs: 60_000 })).toBe(3);
    expect(names({ maxHandlerMs: 20_000, visibilityTimeoutMs: 10_000 })).toBe(4);
    // 15 s handlers, extended every 5 s: three requests kept free per batch.
    expect(visibility(scope({ maxHandlerMs: 20_000, visibilityTimeoutMs: 10_000 }))!.requestsPerBatch).toBe(3);
  });

  it("gives the first request's takeover to ordered alone, and the handling too", () => {
    const list = featuresOf(scope({ ordered: true, partitionKey: "k" }));
    expect(list.filter((f) => f.start)).toHaveLength(1);
    expect(list.filter((f) => f.handle)).toHaveLength(1);
  });
});
