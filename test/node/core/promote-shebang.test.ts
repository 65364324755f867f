/**
 * Redis 7.0 refuses the `allow-key-locking` shebang flag Upstash wants, so
 * the first script of an isolate learns to send the plain text. Runs that
 * started at the same time built theirs flagged too: each must resend it
 * plain and promote, not report a failed promotion (found by the drill).
 * Its own file, so the isolate has not learned it yet.
 */
import { describe, expect, it } from "vitest";
import { enqueueDelayed } from "../../../src/api/enqueue-delayed.js";
import { runFunction } from "../../../src/core/run/run.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { bridgeTransport, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();

describe.skipIf(ON_ENGINE)(realRedisOnly("the key-locking flag", "sorted sets and EVAL, which the embedded engine lacks"), () => {
  it("promotes in every run of a fresh isolate, also those that built the flagged script at the same time", async () => {
    const fns = [0, 1, 2].map(() => f.fn({ handle: async () => {}, options: { delays: true } }));
    for (const fn of fns) {
      await f.createGroup(fn);
      await enqueueDelayed(transport, fn.stream, [{ a: "1" }], Date.now() - 1);
    }
    const reports = await Promise.all(fns.map((fn) => runFunction(fn, { transport, vars: {}, trigger: "cron" })));
    expect(reports.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(reports.map((r) => r.acked)).toEqual([1, 1, 1]);
  });
});
