/**
 * The operator's dashboard in Chromium against a real local stack: page
 * through 120 dead letters, filter them, bulk-replay a selection and see it
 * consumed, pause and resume a function (skipped while this deployment has
 * no pause route), check the charts' numbers against the run reports in
 * Redis, see a read token lose every write action. Screenshots at desktop
 * (1280) and phone (390) width go to test-artifacts/.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xadd } from "../../src/core/redis/commands.js";
import { deadLetterFields } from "../../src/core/dead-letters/dead-letter.js";
import { reportsKey } from "../../src/core/redis/keys.js";
import { lrangeOp } from "../../src/core/redis/list-ops.js";
import { sendPipeline } from "../../src/core/redis/ops.js";
import type { RunReport } from "../../src/core/features/report.js";
import { LEDGER_STREAM } from "../../src/functions/payments.js";
import { freePort } from "../../src/dev/stack/ports.js";
import { redisView, type RedisView } from "../../src/dev/stack/redis-view.js";
import { PROJECT_DIR, startStack, type Stack } from "../../src/dev/stack/stack.js";
import { apiClient, tempDir, waitFor, type Api } from "../node/stack/support.js";

const CHROMIUM = "/usr/bin/chromium";
const STREAM = "orders:payments";
const DLQ = "orders:dlq";
const READ_TOKEN = "e2e-read-only-token";
const expired = (i: number) => i % 4 === 0;

describe.skipIf(!existsSync(CHROMIUM)).sequential("the operator's dashboard in chromium", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let profile: Awaited<ReturnType<typeof tempDir>>;
  let stack: Stack;
  let api: Api;
  let view: RedisView;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const tag = `op-${Date.now()}`;
  let deadIds: string[] = [];
  const payments = () => page.locator('[data-function="payments"]');
  const rows = () => payments().locator('[data-table="dead-letters"] tbody tr');
  const shownIds = async () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id")));

  beforeAll(async () => {
    dir = await tempDir("e2e-operator");
    profile = await tempDir("chromium-operator");
    stack = await startStack({ dir: dir.path, store: "embedded", cron: false, port: await freePort(), bridgePort: await freePort(), vars: { READ_TOKEN, WAKE_ON_ENQUEUE: "false" } }); // Runs are driven by hand, so each report is known.
    api = apiClient(stack.apiUrl, stack.token);
    view = redisView(stack.bridgeUrl, stack.bridgeToken);
    // Work for the charts: two runs that acknowledge orders.
    for (let run = 0; run < 2; run++) {
      await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, Array.from({ length: 3 }, (_, i) => ({ orderID: `${tag}-ok-${run}-${i}`, amount: "2.00" })));
      expect(await api<RunReport>("POST", "/functions/payments/run")).toMatchObject({ acked: 3 });
    }
    // 120 dead letters; every fourth failed with "card expired", the rest with an outage.
    const letters = Array.from({ length: 120 }, (_, i) => xadd(DLQ, deadLetterFields({
      originalId: `${i + 1}-0`, stream: STREAM, group: "payment-processors", function: "payments", deliveries: 5,
      error: expired(i) ? `card expired (${i})` : `provider outage (${i})`, failedAt: new Date().toISOString(),
      fields: { orderID: `${tag}-dead-${i}`, amount: "3.00" },
    })));
    deadIds = (await sendPipeline(view.transport, letters)) as string[];

    browser = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    page.on("dialog", (d) => void d.accept());
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
    await page.goto(stack.dashboardUrl);
    await page.fill("#token", stack.token);
    await page.click("#login button[type=submit]");
    await rows().first().waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await profile?.remove();
    await dir?.remove();
  });

  it("pages through 120 dead letters, 50 at a time, oldest first", async () => {
    const pager = payments().locator('[data-pager="dead-letters"]');
    expect(await shownIds()).toEqual(deadIds.slice(0, 50));
    await pager.locator('[data-page="next"]').click();
    await waitFor("page 2", async () => ((await shownIds())[0] === deadIds[50] ? true : undefined), 15_000);
    expect(await shownIds()).toEqual(deadIds.slice(50, 100));
    await pager.locator('[data-page="next"]').click();
    await waitFor("page 3", async () => ((await shownIds())[0] === deadIds[100] ? true : undefined), 15_000);
    expect(await shownIds()).toEqual(deadIds.slice(100));
    expect(await pager.locator('[data-page="next"]').isDisabled()).toBe(true);
    await pager.locator('[data-page="prev"]').click();
    await waitFor("back to page 2", async () => ((await shownIds())[0] === deadIds[50] ? true : undefined), 15_000);
  }, 60_000);

  it("filters them by error text", async () => {
    const form = payments().locator('form[aria-label^="Filter dead letters"]');
    await form.locator('[data-filter="q"]').fill("CARD EXPIRED");
    await form.locator("button[type=submit]").click();
    const matching = deadIds.filter((_, i) => expired(i));
    await waitFor("the filtered page", async () => ((await shownIds()).length === matching.length ? true : undefined), 15_000);
    expect(await shownIds()).toEqual(matching);
    for (const error of await rows().locator("[data-error]").evaluateAll((tds) => tds.map((td) => td.getAttribute("data-error")))) expect(error).toMatch(/^card expired/);
  }, 60_000);

  it("bulk-replays a selection; a run consumes exactly those", async () => {
    const chosen = (await shownIds()).slice(0, 3) as string[];
    for (const id of chosen) await rows().locator(`[data-select="${id}"]`).check();
    await payments().locator("[data-bulk-replay]").click();
    await waitFor("the replay notice", async () => ((await page.textContent("#notice"))?.includes(`Replayed 3 dead letters onto ${STREAM}`) ? true : undefined), 15_000);
    const left = (await view.entries(DLQ)).map((e) => e.id);
    expect(left).toHaveLength(117);
    for (const id of chosen) expect(left).not.toContain(id);

    await payments().locator('button[data-run="payments"]').click();
    const orders = chosen.map((id) => `${tag}-dead-${deadIds.indexOf(id)}`);
    await waitFor("the replayed orders in the ledger", async () => {
      const ledger = (await view.entries(LEDGER_STREAM)).map((e) => e.fields?.orderID);
      return orders.every((o) => ledger.includes(o)) ? true : undefined;
    }, 20_000);
    const ledger = (await view.entries(LEDGER_STREAM)).map((e) => e.fields?.orderID);
    for (const o of orders) expect(ledger.filter((x) => x === o)).toHaveLength(1);
    await waitFor("the page to drop them", async () => ((await shownIds()).some((id) => chosen.includes(id!)) ? undefined : true), 15_000);
  }, 60_000);

  it("pauses and resumes a function", async () => {
    const button = payments().locator("[data-pause-function]");
    await waitFor("the pause button", async () => ((await button.textContent()) === "Pause function" ? true : undefined), 15_000);
    await button.click();
    await payments().locator("[data-paused]").waitFor({ timeout: 15_000 });
    expect((await api<{ functions: { name: string; paused: boolean }[] }>("GET", "/functions")).functions.find((f) => f.name === "payments")?.paused).toBe(true);
    await payments().locator('[data-warning="paused"]').waitFor();
    await payments().locator("[data-pause-function]").click();
    await payments().locator("[data-paused]").waitFor({ state: "detached", timeout: 15_000 });
    expect((await api<{ functions: { name: string; paused: boolean }[] }>("GET", "/functions")).functions.find((f) => f.name === "payments")?.paused).toBe(false);
  }, 60_000);

  it("charts the run reports Redis holds, and shows what a refresh costs", async () => {
    await waitFor("the charts to catch up with Redis", async () => {
      const [raw] = await sendPipeline(view.transport, [lrangeOp(reportsKey("payments"), 0, 49)] as const);
      const reports = raw.map((r) => JSON.parse(r) as RunReport);
      const sum = (k: "acked" | "retried" | "deadLettered" | "commands") => reports.reduce((n, r) => n + r[k], 0);
      const shown = async (chart: string) => Number(await payments().locator(`[data-chart="${chart}"]`).getAttribute("data-total"));
      const p99 = Math.max(...reports.flatMap((r) => (r.latencyMs ? [r.latencyMs.p99] : [])));
      const page = [await shown("acked"), await shown("retried"), await shown("deadLettered"), await shown("commands"), Number(await payments().locator('[data-chart="p99"]').getAttribute("data-max"))];
      const redis = [sum("acked"), sum("retried"), sum("deadLettered"), sum("commands"), p99];
      if (sum("acked") < 9) return undefined;
      expect(page).toEqual(redis);
      return true;
    }, 20_000);
    const cost = Number(await page.getAttribute("#cost", "data-commands"));
    expect(cost).toBeGreaterThan(0);
    // Bounded by the page sizes, not by the 117 dead letters: about 20 commands per function.
    expect(cost).toBeLessThan(25 * (await page.locator("[data-function]").count()));
  }, 60_000);

  it("saves screenshots at desktop and phone width, without errors", async () => {
    const artifacts = join(PROJECT_DIR, "test-artifacts");
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "operator-desktop-1280.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, "operator-phone-390.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(problems).toEqual([]);
  }, 30_000);

  it("signed in with READ_TOKEN, shows no write action", async () => {
    await page.click("#signout");
    await page.fill("#token", READ_TOKEN);
    await page.click("#login button[type=submit]");
    await rows().first().waitFor();
    await waitFor("read-only mode", async () => ((await page.evaluate(() => document.body.classList.contains("read-only"))) ? true : undefined), 10_000);
    for (const selector of ["[data-bulk-replay]", "[data-purge]", "button[data-run]", "button[data-replay]", "[data-select]", "[data-pause-function]"]) {
      expect(await page.locator(selector).first().isVisible(), selector).toBe(false);
    }
  }, 60_000);
});
