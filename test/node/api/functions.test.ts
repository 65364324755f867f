/**
 * `GET /functions` shows each function as this deployment runs it, and
 * `POST /functions/:name/run` runs one through the cron code path.
 */
import { describe, expect, it } from "vitest";
import { overrideVarName } from "../../../src/core/define/overrides.js";
import { enqueue } from "../../support/engine.js";
import { app, call, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();

describe("functions", () => {
  it("lists effective options after FN_* overrides, the vars that applied, typos, skip reasons and recent runs", async () => {
    const a = f.fn({ handle: async () => {}, description: "A" });
    const b = f.fn({ handle: async () => {}, skipReason: (env) => (env.B_URL ? undefined : "B_URL is not set") });
    track(a);
    track(b);
    const api = app({ functions: [a, b] });
    await enqueue(f.tcp, a.stream, [{ n: "1" }, { n: "2" }]);
    expect((await call(api, `/functions/${a.name}/run`, { method: "POST" })).status).toBe(200);

    const batchVar = overrideVarName(a.name, ["batchSize"]);
    const typo = `${overrideVarName(a.name, ["batchSize"])}S`;
    const res = await call(api, "/functions", { env: { [batchVar]: "7", [typo]: "1" } });
    expect(res.status).toBe(200);
    const [infoA, infoB] = res.body.functions;
    expect(infoA).toMatchObject({
      name: a.name,
      description: "A",
      stream: a.stream,
      group: "g",
      deadLetterStream: `${a.stream}:dlq`,
      crons: ["* * * * *"],
      overrides: [batchVar],
      unknownOverrides: [typo],
      skipped: null,
      error: null,
    });
    // b is skipped, so a alone uses the cron's 50 subrequests.
    expect(infoA.options).toMatchObject({ batchSize: 7, maxSubrequests: 50 });
    expect(infoA.recentRuns).toHaveLength(1);
    expect(infoA.recentRuns[0]).toMatchObject({ function: a.name, trigger: "manual", read: 2, acked: 2 });
    expect(infoB).toMatchObject({ name: b.name, skipped: "B_URL is not set", recentRuns: [] });

    // With b enabled, the two share the cron's subrequests.
    const shared = await call(api, "/functions", { env: { B_URL: "x" } });
    expect(shared.body.functions[0].options.maxSubrequests).toBe(25);
  });

  it("reports an invalid FN_* var per function instead of failing the route", async () => {
    const a = f.fn({ handle: async () => {} });
    track(a);
    const res = await call(app({ functions: [a] }), "/functions", { env: { [overrideVarName(a.name, ["batchSize"])]: "lots" } });
    expect(res.status).toBe(200);
    expect(res.body.functions[0].options).toBeNull();
    expect(res.body.functions[0].error).toContain(overrideVarName(a.name, ["batchSize"]));
  });

  it("runs a function now and answers its report; a skipped function answers why", async () => {
    const seen: string[] = [];
    const a = f.fn({ handle: async (m) => void seen.push(m.fields.n!) });
    const b = f.fn({ handle: async () => {}, skipReason: () => "never here" });
    track(a);
    track(b);
    const api = app({ functions: [a, b] });
    await enqueue(f.tcp, a.stream, [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const run = await call(api, `/functions/${a.name}/run`, { method: "POST" });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ function: a.name, trigger: "manual", read: 3, acked: 3, stopReason: "drained" });
    expect(seen).toEqual(["1", "2", "3"]);
    expect(await call(api, `/functions/${b.name}/run`, { method: "POST" })).toMatchObject({ status: 200, body: { function: b.name, skipped: "never here" } });
  });
});
