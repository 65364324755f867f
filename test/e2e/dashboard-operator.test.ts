/**
 * The operator's console in Chromium against a real local stack on the
 * store the suite runs on (redis-server, or the embedded engine without
 * one): sidebar → function → each tab → message drawer → replay, each
 * checked against the store; what a refresh of the Overview costs, counted
 * at the bridge; an idle page backing off; axe-core on every view; a read
 * token losing every write action. Screenshots of each view at 1280 and
 * 390 px go to test-artifacts/console-<view>-<width>.png.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { axeViolations, CHROMIUM, launchChromium } from "./browser.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xadd, xinfoGroups, xlen } from "../../src/core/redis/commands.js";
import { deadLetterFields } from "../../src/core/dead-letters/dead-letter.js";
import { reportsKey } from "../../src/core/redis/keys.js";
import { lrangeOp } from "../../src/core/redis/list-ops.js";
import { sendPipeline } from "../../src/core/redis/ops.js";
import type { RunReport } from "../../src/core/features/report.js";
import { functions } from "../../src/functions/index.js";
import { LEDGER_STREAM } from "../../src/functions/payments.js";
import { freePort } from "../../src/dev/stack/ports.js";
import { redisView, type RedisView } from "../../src/dev/stack/redis-view.js";
import { PROJECT_DIR, startStack, type Stack } from "../../src/dev/stack/stack.js";
import { ON_ENGINE } from "../support/store-kind.js";
import { apiClient, tempDir, waitFor, type Api } from "../node/stack/support.js";

const STREAM = "orders:payments";
const GROUP = "payment-processors";
const DLQ = "orders:dlq";
const READ_TOKEN = "e2e-read-only-token";
const ARTIFACTS = join(PROJECT_DIR, "test-artifacts");

describe.skipIf(!existsSync(CHROMIUM)).sequential("the operator's console in chromium", () => {
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
  const panel = () => page.locator("[data-panel]");
  const rows = (table: string) => panel().locator(`[data-table="${table}"] tbody tr`);
  const ids = (table: string) => rows(table).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id")));
  const openTab = async (tab: string) => {
    await page.locator(`.tabs a[data-tab="${tab}"]`).click();
    await page.locator(`[data-view="${tab}"]`).waitFor({ timeout: 15_000 });
  };

  /** axe-core; fails on serious or critical. */
  async function axe(what: string): Promise<void> {
    expect(await axeViolations(page), what).toEqual([]);
  }
  /** `fullPage: false` for the drawer: it is fixed to the viewport, and the page behind it is what the list views show. */
  async function shots(name: string, fullPage = true): Promise<void> {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, `console-${name}-1280.png`), fullPage });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(150);
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at 390 px`).toBeLessThanOrEqual(390);
    await axe(`${name} at 390 px`);
    await page.screenshot({ path: join(ARTIFACTS, `console-${name}-390.png`), fullPage });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  beforeAll(async () => {
    dir = await tempDir("e2e-operator");
    profile = await tempDir("chromium-operator");
    stack = await startStack({
      dir: dir.path, store: ON_ENGINE ? "embedded" : "redis-server", cron: false, port: await freePort(), bridgePort: await freePort(),
      vars: { READ_TOKEN, WAKE_ON_ENQUEUE: "false", FN_PAYMENTS_DELAYS: "true" }, // Runs are driven by hand, so each report is known.
    });
    api = apiClient(stack.apiUrl, stack.token);
    view = redisView(stack.bridgeUrl, stack.bridgeToken);
    for (let run = 0; run < 2; run++) {
      await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, Array.from({ length: 3 }, (_, i) => ({ orderID: `${tag}-ok-${run}-${i}`, amount: "2.00" })));
      expect(await api<RunReport>("POST", "/functions/payments/run")).toMatchObject({ acked: 3 });
    }
    // A retry left pending, and a message due in an hour.
    await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, { orderID: `${tag}-broken`, amount: "6.00", simulate: "always-fail" });
    expect(await api<RunReport>("POST", "/functions/payments/run")).toMatchObject({ retried: 1 });
    await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages?delayMs=3600000`, { orderID: `${tag}-later`, amount: "1.00" });
    // 60 dead letters: two pages. Each holds a JSON field, shown indented in the drawer.
    const letters = Array.from({ length: 60 }, (_, i) => xadd(DLQ, deadLetterFields({
      originalId: `${i + 1}-0`, stream: STREAM, group: GROUP, function: "payments", deliveries: 5,
      error: i % 4 === 0 ? `card expired (${i})` : `provider outage (${i})`, failedAt: new Date().toISOString(),
      fields: { orderID: `${tag}-dead-${i}`, amount: "3.00", meta: JSON.stringify({ customer: { id: i, tier: "gold" } }) },
    })));
    deadIds = (await sendPipeline(view.transport, letters)) as string[];

    browser = await launchChromium(profile.path);
    page = await browser.newPage();
    page.on("dialog", (d) => void d.accept());
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
    // No request may leave the Worker's origin.
    page.on("request", (r) => void (new URL(r.url()).origin !== new URL(stack.dashboardUrl).origin && !r.url().startsWith("data:") && problems.push(`external fetch: ${r.url()}`)));
    await page.goto(stack.dashboardUrl);
    await axe("sign-in");
    await page.fill("#token", stack.token);
    await page.click("#login button[type=submit]");
    await page.locator("#sidebar a[data-fn]").first().waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await profile?.remove();
    await dir?.remove();
  });

  it("lists every function in the sidebar with the store's pending and dead letters", async () => {
    const names = await page.locator("#sidebar a[data-fn]").evaluateAll((as) => as.map((a) => a.getAttribute("data-fn")));
    expect(names).toEqual(functions.map((f) => f.name));
    for (const fn of functions) {
      const [groups, dead] = await sendPipeline(view.transport, [xinfoGroups(fn.stream), xlen(fn.name === "payments" ? DLQ : `${fn.stream}:dlq`)] as const).catch(() => [[], 0] as const);
      const link = page.locator(`#sidebar a[data-fn="${fn.name}"]`);
      const pending = groups.find((g) => g.name === fn.group)?.pending ?? 0;
      expect(Number(await link.locator('[data-side="pending"]').textContent().then((t) => t!.split(" ")[0])), fn.name).toBe(pending);
      if (fn.name === "payments") expect(Number(await link.locator('[data-side="dead"]').textContent().then((t) => t!.split(" ")[0]))).toBe(dead);
    }
    expect(await page.locator('#sidebar a[data-fn="payments"] [data-warning-badge]').count()).toBe(1);
    await page.locator('#sidebar a[data-fn="payments"]').click();
    await page.waitForURL(/#\/payments\/overview$/);
  }, 60_000);

  it("Overview: stats and charts match the store", async () => {
    await page.locator('[data-view="overview"]').waitFor();
    expect(Number(await panel().locator(`[data-stat="length"][data-stream="${STREAM}"] b`).textContent())).toBe(await view.length(STREAM));
    expect(Number(await panel().locator(`[data-stat="length"][data-stream="${DLQ}"] b`).textContent())).toBe(await view.length(DLQ));
    expect(Number(await panel().locator('[data-stat="pending"] b').textContent())).toBe((await view.pending(STREAM, GROUP)).length);
    const [raw] = await sendPipeline(view.transport, [lrangeOp(reportsKey("payments"), 0, 49)] as const);
    const reports = raw.map((r) => JSON.parse(r) as RunReport);
    const total = async (series: string) => Number(await panel().locator(`[data-series="${series}"]`).getAttribute("data-total"));
    const sum = (k: "acked" | "retried" | "commands") => reports.reduce((n, r) => n + r[k], 0);
    expect([await total("acked"), await total("retried"), await total("commands")]).toEqual([sum("acked"), sum("retried"), sum("commands")]);
    expect(Number(await panel().locator('[data-series="p99"]').getAttribute("data-max"))).toBe(Math.max(...reports.flatMap((r) => (r.latencyMs ? [r.latencyMs.p99] : []))));
    // Axes, a range switch, and an honest edge where the stored data begins.
    const throughput = panel().locator('[data-chart="throughput"]');
    expect(await throughput.locator("text.tick").count()).toBeGreaterThan(4);
    expect(await throughput.locator("[data-no-data-before]").count()).toBe(1);
    await throughput.locator("svg").hover();
    await expect(throughput.locator(".tip").textContent()).resolves.toContain("acknowledged:");
    await panel().locator('[data-range="360"]').click();
    await waitFor("the 6 h range", async () => ((await panel().locator('[data-range="360"]').getAttribute("aria-pressed")) === "true" ? true : undefined), 10_000);
    expect(await throughput.locator("text.tick").allTextContents()).toContain(await page.evaluate(() => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    await panel().locator('[data-range="60"]').click();
    await waitFor("back to 1 h", async () => ((await panel().locator('[data-range="60"]').getAttribute("aria-pressed")) === "true" ? true : undefined), 10_000);
    await axe("overview");
    await shots("overview");
    // Dark mode follows the system setting; axe checks its contrast too.
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(15, 18, 22)");
    await axe("overview, dark");
    await shots("overview-dark");
    await page.emulateMedia({ colorScheme: "light" });
  }, 60_000);

  it("a refresh of the Overview costs 1 request and at most 5 commands per function, counted at the bridge; an idle page backs off", async () => {
    const views: { requests: number; commands: number }[] = [];
    const onResponse = (r: { url(): string; headers(): Record<string, string> }) => {
      if (r.url().includes("/view?")) views.push({ requests: Number(r.headers()["x-redis-requests"]), commands: Number(r.headers()["x-redis-commands"]) });
    };
    page.on("response", onResponse);
    const before = { ...stack.bridgeStats };
    const startViews = views.length;
    // A click is a change: the page looks again at once and every 3 s; nothing changes from here, so the interval doubles towards 30 s.
    await panel().locator('[data-range="60"]').click();
    await waitFor("the page to back off", async () => (Number(await page.evaluate(() => document.body.dataset.intervalMs)) >= 24_000 ? true : undefined), 60_000, 500);
    page.off("response", onResponse);
    const seen = views.slice(startViews);
    const after = { ...stack.bridgeStats };
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(6);
    expect(after.requests - before.requests).toBe(seen.length);
    for (const v of seen) expect(v).toMatchObject({ requests: 1 });
    expect((after.commands - before.commands) / seen.length).toBeLessThanOrEqual(5 * functions.length);
    const perMinute = Number(await page.getAttribute("#cost", "data-commands-per-minute"));
    expect(perMinute).toBeGreaterThan(0);
  }, 90_000);

  it("Pending: the retry the store holds, with its deliveries and last error", async () => {
    await openTab("pending");
    const pending = await view.pending(STREAM, GROUP);
    expect(await ids("pending")).toEqual(pending.map((p) => p.id));
    const row = rows("pending").first();
    expect(Number(await row.locator("[data-deliveries]").textContent())).toBe(pending[0]!.deliveries);
    expect(await row.locator("[data-last-error]").getAttribute("data-last-error")).toBe(`simulated provider failure for order ${tag}-broken`);
    await axe("pending");
    await shots("pending");
  }, 60_000);

  it("Delayed: the message due in an hour", async () => {
    await openTab("delayed");
    const delayed = await api<{ count: number; items: { id: string; fields: Record<string, string> }[] }>("GET", `/streams/${encodeURIComponent(STREAM)}/delayed`);
    expect(delayed.count).toBe(1);
    expect(await ids("delayed")).toEqual(delayed.items.map((d) => d.id));
    await axe("delayed");
    await shots("delayed");
  }, 60_000);

  it("Dead letters: pages of 50, oldest first, as the store holds them", async () => {
    await openTab("dead-letters");
    expect(await ids("dead-letters")).toEqual(deadIds.slice(0, 50));
    await panel().locator('[data-pager="dead-letters"] [data-page="next"]').click();
    await waitFor("page 2", async () => ((await ids("dead-letters"))[0] === deadIds[50] ? true : undefined), 15_000);
    expect(await ids("dead-letters")).toEqual(deadIds.slice(50));
    await panel().locator('[data-pager="dead-letters"] [data-page="prev"]').click();
    await waitFor("page 1", async () => ((await ids("dead-letters"))[0] === deadIds[0] ? true : undefined), 15_000);
    await axe("dead-letters");
    await shots("dead-letters");
  }, 60_000);

  it("Runs and Settings: the stored reports, the effective options and the overrides that applied", async () => {
    await openTab("runs");
    const [raw] = await sendPipeline(view.transport, [lrangeOp(reportsKey("payments"), 0, 49)] as const);
    expect(await rows("runs").count()).toBe(raw.length);
    await axe("runs");
    await shots("runs");
    await openTab("settings");
    const listed = (await api<{ functions: { name: string; options: Record<string, unknown>; overrides: string[] }[] }>("GET", "/functions")).functions.find((f) => f.name === "payments")!;
    expect(await panel().locator('[data-option="visibilityTimeoutMs"] td').nth(1).textContent()).toBe(String(listed.options.visibilityTimeoutMs));
    expect(await panel().locator("[data-overrides] li").allTextContents()).toEqual(listed.overrides);
    await axe("settings");
    await shots("settings");
  }, 60_000);

  it("the drawer: fields (JSON indented), source, curl; j/k, Enter and Esc; Replay puts it back and a run charges it once", async () => {
    await openTab("dead-letters");
    await rows("dead-letters").first().focus();
    await page.keyboard.press("j");
    const second = deadIds[1]!;
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-id"))).toBe(second);
    await page.keyboard.press("Enter");
    const drawer = page.locator("#drawer");
    await drawer.locator("[data-fields]").waitFor({ timeout: 15_000 });
    expect(page.url()).toContain(`/${encodeURIComponent(DLQ)}/${encodeURIComponent(second)}`);
    expect(await drawer.locator('[data-field="orderID"]').textContent()).toBe(`${tag}-dead-1`);
    expect(JSON.parse((await drawer.locator('[data-field="meta"] pre.json').textContent())!)).toEqual({ customer: { id: 1, tier: "gold" } });
    expect(await drawer.locator("[data-source]").textContent()).toBe(STREAM);
    const curl = (await drawer.locator("[data-curl]").textContent())!;
    expect(curl).toContain(`Idempotency-Key: replay-${DLQ}-${second}`);
    expect(curl).toContain(`/streams/${encodeURIComponent(STREAM)}/messages`);
    expect(curl).toContain(`"orderID":"${tag}-dead-1"`);
    await axe("drawer");
    await shots("drawer", false);
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
    expect(page.url()).toMatch(/#\/payments\/dead-letters$/);

    await rows("dead-letters").first().locator(".id-link").click();
    await drawer.locator("[data-drawer-replay]").click();
    await drawer.waitFor({ state: "hidden", timeout: 15_000 });
    await expect(page.textContent("#notice")).resolves.toContain(`Replayed ${deadIds[0]} onto ${STREAM}`);
    expect((await view.entries(DLQ)).map((e) => e.id)).not.toContain(deadIds[0]);
    expect(await view.length(DLQ)).toBe(59);
    await page.locator('button[data-run="payments"]').click();
    await waitFor("the replayed order in the ledger", async () => ((await view.entries(LEDGER_STREAM)).some((e) => e.fields?.orderID === `${tag}-dead-0`) ? true : undefined), 20_000);
    expect((await view.entries(LEDGER_STREAM)).filter((e) => e.fields?.orderID === `${tag}-dead-0`)).toHaveLength(1);
    await waitFor("the page to drop it", async () => ((await ids("dead-letters")).includes(deadIds[0]!) ? undefined : true), 15_000);
    expect(problems).toEqual([]);
  }, 90_000);

  it("signed in with READ_TOKEN: no write action anywhere, and the API refuses writes", async () => {
    await page.click("#signout");
    await page.fill("#token", READ_TOKEN);
    await page.click("#login button[type=submit]");
    await page.locator('[data-table="dead-letters"] tbody tr').first().waitFor({ timeout: 15_000 });
    await waitFor("read-only mode", async () => ((await page.evaluate(() => document.body.classList.contains("read-only"))) ? true : undefined), 10_000);
    for (const selector of ["[data-bulk-replay]", "[data-purge]", "button[data-run]", "button[data-replay]", "[data-select]", "[data-pause-function]"]) {
      expect(await page.locator(selector).first().isVisible(), selector).toBe(false);
    }
    await rows("dead-letters").first().locator(".id-link").click();
    await page.locator("#drawer [data-fields]").waitFor({ timeout: 15_000 });
    expect(await page.locator("#drawer [data-drawer-replay]").isVisible()).toBe(false);
    expect(await page.locator("#drawer [data-drawer-delete]").isVisible()).toBe(false);
    const refused = await fetch(`${stack.apiUrl}/streams/${encodeURIComponent(DLQ)}/dead-letters/replay`, {
      method: "POST", headers: { authorization: `Bearer ${READ_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ ids: [deadIds[1]] }),
    });
    expect(refused.status).toBe(403);
    expect(await view.length(DLQ)).toBe(59);
    expect(problems).toEqual([]);
  }, 60_000);
});
