/** Webhook signatures: what a receiver verifies. */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "../../../src/core/handle/signature.js";

describe("webhook signatures", () => {
  it("are HMAC-SHA256 over `${timestamp}.${body}`, as any receiver can compute", async () => {
    const expected = createHmac("sha256", "s3cret").update('1700000000.{"a":1}').digest("hex");
    expect(await signWebhook("s3cret", 1_700_000_000, '{"a":1}')).toBe(`v1=${expected}`);
  });

  it.each([
    ["the right secret and a fresh timestamp", "s3cret", "1700000000", '{"a":1}', 1_700_000_100, true],
    ["a wrong secret", "other", "1700000000", '{"a":1}', 1_700_000_100, false],
    ["a changed body", "s3cret", "1700000000", '{"a":2}', 1_700_000_100, false],
    ["a replay older than five minutes", "s3cret", "1700000000", '{"a":1}', 1_700_000_301, false],
    ["a missing timestamp", "s3cret", null, '{"a":1}', 1_700_000_100, false],
  ])("verify: %s → %s", async (_, secret, timestamp, body, now, ok) => {
    const header = await signWebhook("s3cret", 1_700_000_000, '{"a":1}');
    expect(await verifyWebhook(secret, header, timestamp, body, now)).toBe(ok);
  });
});
