/** A cron tick as runScheduled sees it: a bad override fails only its own function, loudly. */
import { describe, expect, it } from "vitest";
import { functions } from "../../../src/functions/index.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { bridgeTransport } from "../../support/engine.js";

describe("runScheduled", () => {
  it("reports an invalid FN_* override as that function's error and still runs the others", async () => {
    const reports = await runScheduled(functions, "* * * * *", Date.now(), { FN_PAYMENTS_BATCH_SIZE: "ten", WEBHOOK_URL: undefined }, bridgeTransport());
    expect(reports).toContainEqual(expect.objectContaining({ function: "payments", stopReason: "error", error: 'ConfigError: FN_PAYMENTS_BATCH_SIZE must be an integer; got "ten"' }));
    expect(reports).toContainEqual({ function: "webhook", skipped: "WEBHOOK_URL is not set" });
  });

  it("runs nothing for a cron no function uses", async () => {
    expect(await runScheduled(functions, "0 0 1 1 *", Date.now(), {}, bridgeTransport())).toEqual([]);
  });
});
