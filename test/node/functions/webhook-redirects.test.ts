/**
 * The `webhook` function never follows a redirect: following a 301/302/303
 * turns the POST into a body-less GET that the receiver may answer 200, and
 * the message would count as delivered. Against the real receiver of the
 * global setup, which answers each 3xx with a Location of its own.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { runFunction } from "../../../src/core/run/run.js";
import { webhook } from "../../../src/functions/webhook.js";
import { bridgeTransport, enqueue, entries, pending, useFixture } from "../../support/engine.js";
import type { Received } from "../../support/receiver.js";

const f = useFixture();
const receiverUrl = inject("receiverUrl");

describe("webhook redirects", () => {
  it("dead-letters a permanent redirect (301, 308) at once, retries a temporary one (302, 303, 307), and sends nothing to the new location", async () => {
    const base = f.fn({ handle: webhook.handle });
    const fn = definePollingFunction({ ...webhook, name: base.name, stream: base.stream, options: { ...webhook.options, ...base.options } });
    const box = randomUUID();
    const vars = { WEBHOOK_URL: `${receiverUrl}/hook/${box}`, WEBHOOK_SECRET: inject("receiverSecret") };
    const statuses = ["301", "302", "303", "307", "308"];
    const ids = await enqueue(f.tcp, fn.stream, statuses.map((respond) => ({ respond })));

    const report = await runFunction(fn, { transport: bridgeTransport(), vars, trigger: "cron" });

    expect(report).toMatchObject({ read: 5, acked: 0, deadLettered: 2, retried: 3 });
    const got = (await (await fetch(`${receiverUrl}/box/${box}`)).json()) as Received[];
    expect(got.map((r) => `${r.method} ${r.path}`)).toEqual(statuses.map(() => `POST /hook/${box}`));
    expect(got.every((r) => r.verified)).toBe(true);
    const dead = (await entries(f.tcp, fn.options.deadLetterStream!)).map((e) => e.message);
    expect(dead.map((d) => [d["original-id"], d.error])).toEqual([
      [ids[0], `PermanentError: webhook answered 301 (a redirect to /hook/${box}/moved; redirects are not followed: set WEBHOOK_URL to the final URL)`],
      [ids[4], `PermanentError: webhook answered 308 (a redirect to /hook/${box}/moved; redirects are not followed: set WEBHOOK_URL to the final URL)`],
    ]);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.id)).toEqual([ids[1], ids[2], ids[3]]);
    expect(report.failures.map((x) => x.error)).toContain(`webhook answered 302 (a redirect to /hook/${box}/moved; redirects are not followed: set WEBHOOK_URL to the final URL)`);
  });
});
