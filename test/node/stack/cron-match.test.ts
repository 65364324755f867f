/**
 * The local cron driver's matcher: which UTC minutes a five-field cron
 * expression fires in, and which expressions it refuses.
 */
import { describe, expect, it } from "vitest";
import { CronSyntaxError, parseCron } from "../../../src/dev/stack/cron-match.js";

const at = (iso: string) => new Date(`${iso}Z`);
const fires = (expression: string, iso: string) => parseCron(expression).matches(at(iso));

describe("parseCron", () => {
  it.each([
    ["* * * * *", "2026-03-04T05:06", true],
    ["0 * * * *", "2026-03-04T05:00", true],
    ["0 * * * *", "2026-03-04T05:01", false],
    ["*/15 * * * *", "2026-03-04T05:45", true],
    ["*/15 * * * *", "2026-03-04T05:46", false],
    ["5/20 * * * *", "2026-03-04T05:45", true],
    ["5/20 * * * *", "2026-03-04T05:05", true],
    ["5/20 * * * *", "2026-03-04T05:00", false],
    ["0-30/10 * * * *", "2026-03-04T05:30", true],
    ["0-30/10 * * * *", "2026-03-04T05:40", false],
    ["1,2,59 * * * *", "2026-03-04T05:59", true],
    ["30 9 * * *", "2026-03-04T09:30", true],
    ["30 9 * * *", "2026-03-04T10:30", false],
    ["0 0 1 * *", "2026-03-01T00:00", true],
    ["0 0 1 * *", "2026-03-02T00:00", false],
    ["0 0 * JAN *", "2026-01-20T00:00", true],
    ["0 0 * jan-mar *", "2026-04-01T00:00", false],
    // 2026-03-01 is a Sunday: 0 and 7 and SUN all name it.
    ["0 0 * * 0", "2026-03-01T00:00", true],
    ["0 0 * * 7", "2026-03-01T00:00", true],
    ["0 0 * * SUN", "2026-03-01T00:00", true],
    ["0 0 * * MON-FRI", "2026-03-01T00:00", false],
    ["0 0 * * MON-FRI", "2026-03-02T00:00", true],
    // Both day fields restricted: either matching is enough (Vixie cron).
    ["0 0 15 * MON", "2026-03-02T00:00", true],
    ["0 0 15 * MON", "2026-03-15T00:00", true],
    ["0 0 15 * MON", "2026-03-03T00:00", false],
  ])("%s at %s → %s", (expression, iso, expected) => {
    expect(fires(expression, iso)).toBe(expected);
  });

  it("reads the clock in UTC, as Cloudflare fires crons", () => {
    expect(parseCron("0 12 * * *").matches(new Date(Date.UTC(2026, 0, 1, 12, 0, 30)))).toBe(true);
  });

  it.each([
    ["* * * *", /expected 5 fields/],
    ["60 * * * *", /minute "60": 60 is outside 0-59/],
    ["* 24 * * *", /hour "24"/],
    ["* * 0 * *", /day of month "0"/],
    ["* * * 13 *", /month "13"/],
    ["*/0 * * * *", /step must be a positive integer/],
    ["10-5 * * * *", /runs backwards/],
    ["* * L * *", /L, W, # and \? are not supported/],
    ["* * * * MON#2", /not supported/],
    ["x * * * *", /"x" is not a number$/],
  ])("refuses %s, naming the field", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronSyntaxError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});
