/**
 * The cron driver against a stand-in Worker: what it requests, how often,
 * and that stop() leaves nothing in flight; and the wrangler.toml reader.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readCrons, startCronDriver } from "../../../src/dev/stack/cron-driver.js";

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function fakeWorker(status = 200): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  server = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.writeHead(status).end("Ran scheduled event");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("startCronDriver", () => {
  it("with everySeconds, fires each cron through /__scheduled, URL-encoded", async () => {
    const worker = await fakeWorker();
    const driver = startCronDriver({ workerUrl: worker.url, crons: ["* * * * *", "*/5 * * * *"], everySeconds: 0.1 });
    await sleep(450);
    await driver.stop();
    expect(worker.seen).toContain("/__scheduled?cron=*%20*%20*%20*%20*");
    expect(worker.seen).toContain("/__scheduled?cron=*%2F5%20*%20*%20*%20*");
    expect(driver.stats.ok).toBeGreaterThanOrEqual(4);
    const count = worker.seen.length;
    await sleep(250);
    expect(worker.seen.length).toBe(count);
  });

  it("logs a failing fire once, not on every tick", async () => {
    const worker = await fakeWorker(500);
    const lines: string[] = [];
    const driver = startCronDriver({ workerUrl: worker.url, crons: ["* * * * *"], everySeconds: 0.05, log: (l) => lines.push(l) });
    await sleep(300);
    await driver.stop();
    expect(driver.stats.failed).toBeGreaterThan(1);
    expect(lines).toEqual(['cron: firing "* * * * *" failed: HTTP 500']);
  });

  it("on schedule, fires at each UTC minute boundary only the crons that match that minute", async () => {
    const worker = await fakeWorker();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      vi.setSystemTime(new Date("2026-03-04T12:00:30Z"));
      const driver = startCronDriver({ workerUrl: worker.url, crons: ["* * * * *", "*/2 * * * *", "0 13 * * *"] });
      const fired = async (n: number) => {
        // The requests are real I/O: wait in real time (timers/promises is not faked) for them to land.
        for (let i = 0; i < 100 && worker.seen.length < n; i++) await sleep(10);
        return worker.seen.map((u) => decodeURIComponent(u.slice("/__scheduled?cron=".length)));
      };
      await vi.advanceTimersByTimeAsync(29_000);
      expect(await fired(0)).toEqual([]);
      await vi.advanceTimersByTimeAsync(1_100); // 12:01
      expect(await fired(1)).toEqual(["* * * * *"]);
      await vi.advanceTimersByTimeAsync(60_000); // 12:02
      expect((await fired(3)).slice(1).sort()).toEqual(["* * * * *", "*/2 * * * *"]);
      await driver.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses an expression it cannot read before firing anything", async () => {
    expect(() => startCronDriver({ workerUrl: "http://127.0.0.1:1", crons: ["0 0 L * *"] })).toThrow(/not supported/);
  });
});

describe("readCrons", () => {
  it("reads [triggers] crons on one line or several, ignoring comments and other sections", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cronsumer-toml-"));
    try {
      const file = join(dir, "wrangler.toml");
      await writeFile(file, 'name = "x"\ncrons = ["0 0 * * *"]\n\n[triggers] # when\ncrons = [\n  "* * * * *", # every minute\n  \'*/5 * * * *\',\n]\n\n[vars]\nA = "#"\n');
      expect(await readCrons(file)).toEqual(["* * * * *", "*/5 * * * *"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("with an environment, reads [env.<name>.triggers], and the top-level crons when it sets none (wrangler inherits them)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cronsumer-toml-"));
    try {
      const file = join(dir, "wrangler.toml");
      await writeFile(file, '[triggers]\ncrons = ["* * * * *"]\n\n[env.staging]\nname = "s"\n\n[env.staging.triggers]\ncrons = ["*/10 * * * *"]\n\n[env.qa]\nname = "q"\n');
      expect(await readCrons(file, "staging")).toEqual(["*/10 * * * *"]);
      expect(await readCrons(file, "qa")).toEqual(["* * * * *"]);
      expect(await readCrons(file)).toEqual(["* * * * *"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads this project's wrangler.toml", async () => {
    expect(await readCrons(join(import.meta.dirname, "../../../wrangler.toml"))).toEqual(["* * * * *"]);
  });
});
