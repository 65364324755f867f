/**
 * The console in Chromium for a function with priority lanes: the Overview
 * lists each lane highest first with the numbers Redis holds, the lane's
 * Pending button lists that lane's pending entries, and the drawer opens a
 * lane's message with a curl that enqueues it again through `?priority=`.
 *
 * The app is the API and console as `createApp` builds them, served from
 * Node over the real bridge and Redis: the demo stack's functions have no
 * lanes, and giving them some would change what the other console tests
 * see. Skipped, saying so, when /usr/bin/chromium is absent.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { axeViolations, CHROMIUM, launchChromium } from "./browser.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PollingFunction } from "../../src/core/define/define.js";
import type { ApiApp } from "../../src/api/context.js";
import { apiEnv, app as createApp, call, TOKEN, useApiFixture } from "../node/api/support.js";
import { pending } from "../support/engine.js";
import { tempDir } from "../node/stack/support.js";
import { PROJECT_DIR } from "../../src/dev/stack/stack.js";

const ARTIFACTS = join(PROJECT_DIR, "test-artifacts");
if (!existsSync(CHROMIUM)) console.warn(`dashboard lanes test skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run does this)`);

/** The Hono app behind a Node http server, as `wrangler dev` would serve it. */
function serve(api: ApiApp): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
    const answer = await api.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }), apiEnv());
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(!existsSync(CHROMIUM)).sequential("the console of a function with lanes, in chromium", () => {
  const { f, setup } = useApiFixture();
  let fn: PollingFunction;
  let server: Server;
  let profile: Awaited<ReturnType<typeof tempDir>>;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const high = () => `${fn.stream}:lane:high`;
  const shown = () => page.locator(`[data-function="${fn.name}"]`);

  beforeAll(async () => {
    const made = setup({ handle: async () => {}, options: { lanes: { names: ["high", "low"], weights: [4, 1] } } });
    fn = made.fn;
    expect((await call(made.api, `${made.s}/messages?priority=high`, { body: [{ n: "h1" }, { n: "h2" }, { n: "h3" }] })).status).toBe(201);
    expect((await call(made.api, `${made.s}/messages`, { body: [{ n: "l1" }, { n: "l2" }] })).status).toBe(201);
    for (const stream of [high(), fn.stream]) await f.tcp.xGroupCreate(stream, fn.group, "0");
    await f.tcp.xReadGroup(fn.group, "c-1", { key: high(), id: ">" }, { COUNT: 2 });
    server = await serve(createApp({ functions: [fn] }));
    profile = await tempDir("chromium-lanes");
    browser = await launchChromium(profile.path);
    page = await browser.newPage();
    await mkdir(ARTIFACTS, { recursive: true });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await profile?.remove();
  });

  it("lists the lanes highest first on the Overview, with the lengths, pending and lag Redis holds", async () => {
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.fill("#token", TOKEN);
    await page.click("#login button[type=submit]");
    await page.locator(`#sidebar a[data-fn="${fn.name}"]`).click();
    const lanes = shown().locator('[data-table="lanes"]');
    await lanes.waitFor({ timeout: 15_000 });
    expect(await lanes.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-lane")))).toEqual(["high", "low"]);
    const stat = async (lane: string, name: string) => (await lanes.locator(`tr[data-lane="${lane}"] [data-lane-stat="${name}"]`).textContent())!.trim();
    expect([await stat("high", "length"), await stat("high", "pending"), await stat("high", "lag")]).toEqual([String(await f.tcp.xLen(high())), "2", "1"]);
    expect([await stat("low", "length"), await stat("low", "pending"), await stat("low", "lag")]).toEqual([String(await f.tcp.xLen(fn.stream)), "0", "2"]);
    expect(await lanes.locator('tr[data-lane="low"]').textContent()).toContain("default");
    expect(await axeViolations(page), "Overview with lanes").toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "console-lanes-overview-1280.png"), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it("opens a lane's pending entries from its row, and the drawer shows one with a curl through ?priority=", async () => {
    await shown().locator('[data-table="lanes"] [data-lane-pending="high"]').click();
    const table = shown().locator(`[data-table="pending"][data-stream="${high()}"]`);
    await table.waitFor({ timeout: 15_000 });
    const ids = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id")));
    expect(ids).toEqual((await pending(f.tcp, high(), fn.group)).map((p) => p.id));
    expect(await shown().locator('[data-lane-pick="high"]').getAttribute("aria-pressed")).toBe("true");
    expect(await axeViolations(page), "Pending of a lane").toEqual([]);

    await table.locator(`[data-open="${ids[0]}"]`).click();
    const drawer = page.locator("#drawer");
    await drawer.locator("[data-fields]").waitFor({ timeout: 15_000 });
    expect(await drawer.locator('[data-field="n"]').textContent()).toBe("h1");
    expect(await drawer.locator("[data-curl]").textContent()).toContain(`/streams/${encodeURIComponent(fn.stream)}/messages?priority=high`);
    await drawer.locator("[data-close]").click();

    // The other lane: the default one, the function's own stream, with nothing pending.
    await shown().locator('[data-lane-pick="low"]').click();
    await shown().locator(`[data-stream="${fn.stream}"]`).first().waitFor({ timeout: 15_000 });
    expect(await shown().locator('[data-lane-pick="low"]').getAttribute("aria-pressed")).toBe("true");
    expect(problems).toEqual([]);
  }, 60_000);
});
