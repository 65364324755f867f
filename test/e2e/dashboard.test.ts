/**
 * The console in a real browser (Debian's chromium driven by playwright-core)
 * against a real local stack on the store the suite runs on: sign in with
 * the token, see the same numbers the store holds on the Overview and the
 * Pending tab, replay a dead letter from its tab and see it consumed, and
 * open a JSON-bodied message (`payload: "json"`) to see its body
 * pretty-printed. The Worker is the shipped one plus that JSON function
 * (test/e2e/json-worker). Screenshots go to test-artifacts/.
 *
 * Skipped, saying so, only when /usr/bin/chromium is absent (.ci/run
 * installs it).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xadd, xinfoConsumers } from "../../src/core/redis/commands.js";
import { deadLetterFields } from "../../src/core/dead-letters/dead-letter.js";
import { sendPipeline } from "../../src/core/redis/ops.js";
import type { RunReport } from "../../src/core/features/report.js";
import { LEDGER_STREAM } from "../../src/functions/payments.js";
import { freePort } from "../../src/dev/stack/ports.js";
import { redisView, type RedisView } from "../../src/dev/stack/redis-view.js";
import { PROJECT_DIR, startStack, type Stack } from "../../src/dev/stack/stack.js";
import { ON_ENGINE } from "../support/store-kind.js";
import { apiClient, tempDir, waitFor, type Api } from "../node/stack/support.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run does this)`);

const STREAM = "orders:payments";
const GROUP = "payment-processors";
const DLQ = "orders:dlq";
/** The stream of json-worker/worker.ts's `bodies` function (`payload: "json"`). */
const BODIES_STREAM = "orders:bodies";
/** Short, so the consumer holding the parked retry is flagged stale within the test. */
const STALE_MS = 1_000;

describe.skipIf(!hasChromium).sequential("the dashboard in chromium", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let profile: Awaited<ReturnType<typeof tempDir>>;
  let stack: Stack;
  let api: Api;
  let view: RedisView;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const tag = `e2e-${Date.now()}`;
  let replayId: string;

  beforeAll(async () => {
    dir = await tempDir("e2e");
    profile = await tempDir("chromium-profile");
    stack = await startStack({
      dir: dir.path,
      config: "test/e2e/json-worker/wrangler.toml",
      store: ON_ENGINE ? "embedded" : "redis-server",
      cron: false,
      port: await freePort(),
      bridgePort: await freePort(),
      vars: { STALE_CONSUMER_MS: String(STALE_MS), WAKE_ON_ENQUEUE: "false" }, // Runs are driven by hand, so each report is known.
    });
    api = apiClient(stack.apiUrl, stack.token);
    view = redisView(stack.bridgeUrl, stack.bridgeToken);

    // Something in every table: a charged order, a retry pending, a dead letter from a run...
    await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, [
      { orderID: `${tag}-ok`, amount: "5.00" },
      { orderID: `${tag}-broken`, amount: "6.00", simulate: "always-fail" },
      { orderID: `${tag}-invalid`, amount: "abc" },
    ]);
    expect(await api<RunReport>("POST", "/functions/payments/run")).toMatchObject({ read: 3, acked: 1, retried: 1, deadLettered: 1 });
    // ...and a dead letter holding a valid order, written in the DLQ format, which a replay will see charged.
    const [id] = await sendPipeline(view.transport, [
      xadd(DLQ, deadLetterFields({
        originalId: "1-0",
        stream: STREAM,
        group: "payment-processors",
        function: "payments",
        deliveries: 5,
        error: "simulated outage, since fixed",
        failedAt: new Date().toISOString(),
        fields: { orderID: `${tag}-replayed`, amount: "7.50" },
      })),
    ] as const);
    replayId = id!;

    // An empty profile of its own; launchPersistentContext is how playwright takes --user-data-dir.
    browser = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await profile?.remove();
    await dir?.remove();
  });

  const payments = () => page.locator('[data-function="payments"]');
  const tab = async (name: string) => {
    await page.locator(`.tabs a[data-tab="${name}"]`).click();
    await page.locator(`[data-view="${name}"]`).waitFor({ timeout: 15_000 });
  };

  it("asks for the token, keeps it in sessionStorage only, and shows the store's numbers", async () => {
    await page.goto(stack.dashboardUrl);
    await expect(page.isVisible("#login")).resolves.toBe(true);
    await page.fill("#token", stack.token);
    await page.click("#login button[type=submit]");
    await page.locator('#sidebar a[data-fn="payments"]').click();
    await payments().locator('[data-table="groups"]').waitFor();

    expect(page.url()).not.toContain(stack.token);
    expect(await page.evaluate(() => sessionStorage.getItem("cronsumer.apiToken"))).toBe(stack.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    const shown = async (stream: string) => Number(await payments().locator(`[data-stat="length"][data-stream="${stream}"] b`).textContent());
    expect(await shown(STREAM)).toBe(await view.length(STREAM));
    expect(await shown(DLQ)).toBe(await view.length(DLQ));

    await tab("dead-letters");
    expect(await payments().locator('[data-table="dead-letters"] tbody tr').count()).toBe(await view.length(DLQ));
    await tab("pending");
    const pending = await view.pending(STREAM, "payment-processors");
    expect(pending).toHaveLength(1);
    const row = payments().locator(`[data-table="pending"] tr[data-id="${pending[0]!.id}"]`);
    expect(Number(await row.locator("[data-deliveries]").textContent())).toBe(pending[0]!.deliveries);
    await tab("runs");
    expect(await payments().locator('[data-table="runs"] tbody tr').count()).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("shows each pending entry's idle time and last error, and flags the consumer holding it stale", async () => {
    await tab("pending");
    const [parked] = await view.pending(STREAM, GROUP);
    const row = payments().locator(`[data-table="pending"] tr[data-id="${parked!.id}"]`);
    // The failed attempt's error, recorded with its retry.
    const lastError = row.locator("[data-last-error]");
    expect(await lastError.getAttribute("data-last-error")).toBe(`simulated provider failure for order ${tag}-broken`);
    expect(await lastError.getAttribute("data-attempt")).toBe("1");
    expect(await lastError.textContent()).toContain(`attempt 1 simulated provider failure for order ${tag}-broken`);

    // Idle: what the page shows was read at its last refresh, so it trails the store by at most a refresh or two.
    const shownIdle = Number(await row.locator("[data-idle-ms]").getAttribute("data-idle-ms"));
    const [live] = await view.pending(STREAM, GROUP);
    expect(shownIdle).toBeLessThanOrEqual(live!.idleMs);
    expect(live!.idleMs - shownIdle).toBeLessThan(15_000);
    expect(await row.locator("[data-idle-ms]").textContent()).toMatch(/^\d+(\.\d)? (ms|s|min)$/);

    // Stale: the owner of the parked entry, once idle past STALE_CONSUMER_MS; a consumer holding nothing never is.
    await tab("overview");
    const consumers = payments().locator('[data-table="consumers"]');
    const owner = consumers.locator(`tr[data-consumer="${parked!.consumer}"]`);
    await owner.locator(".badge", { hasText: "stale" }).waitFor({ timeout: 15_000 });
    const [listed] = await sendPipeline(view.transport, [xinfoConsumers(STREAM, GROUP)] as const);
    for (const c of listed) {
      const cells = consumers.locator(`tr[data-consumer="${c.name}"]`);
      expect(Number(await cells.locator("td").nth(1).textContent())).toBe(c.pending);
      expect(await cells.locator(".badge", { hasText: "stale" }).count()).toBe(c.pending > 0 && c.idleMs > STALE_MS ? 1 : 0);
      expect(Number(await cells.locator("[data-idle-ms]").getAttribute("data-idle-ms"))).toBeLessThanOrEqual(c.idleMs);
    }
  }, 60_000);

  it("replays a dead letter; after a run it is gone from the page and charged in the ledger", async () => {
    await tab("dead-letters");
    const row = payments().locator(`[data-table="dead-letters"] tr[data-id="${replayId}"]`);
    await row.locator("button[data-replay]").click();
    await row.waitFor({ state: "detached", timeout: 15_000 });
    await expect(page.textContent("#notice")).resolves.toContain(`Replayed ${replayId} onto ${STREAM}`);

    await payments().locator('button[data-run="payments"]').click();
    await waitFor("the replayed order in the ledger", async () => {
      const ledger = await view.entries(LEDGER_STREAM);
      return ledger.find((e) => e.fields?.orderID === `${tag}-replayed`);
    }, 15_000);
    expect((await view.entries(DLQ)).map((e) => e.id)).not.toContain(replayId);
    // The page catches up on its next refresh.
    await waitFor("the sidebar to show the new DLQ length", async () => {
      const shown = Number((await page.locator('#sidebar a[data-fn="payments"] [data-side="dead"]').textContent())!.split(" ")[0]);
      return shown === (await view.length(DLQ)) ? true : undefined;
    }, 15_000);
  }, 60_000);

  it("shows a JSON body pretty-printed in the message drawer: indented, nesting, numbers and unicode intact", async () => {
    const body = {
      order: {
        id: 42,
        lines: [
          { sku: "KAFFEE-☕", qty: 2, price: 3.5 },
          { sku: "東京-🍣", qty: 1, price: 12 },
        ],
        address: { city: "Zürich", note: "„bitte klingeln“ — 日本語" },
      },
      paid: true,
      coupon: null,
    };
    const { ids } = await api<{ ids: string[] }>("POST", `/streams/${encodeURIComponent(BODIES_STREAM)}/messages`, { body, headers: { source: "e2e" } });
    await page.goto(`${stack.dashboardUrl}#/${["bodies", "overview", BODIES_STREAM, ids[0]!].map(encodeURIComponent).join("/")}`);
    const shown = page.locator("#drawer pre[data-body]");
    await shown.waitFor({ timeout: 15_000 });
    try {
      await drawerShows(shown, body);
    } finally {
      // Closed whatever the outcome, so the next test finds the page as it left it.
      await page.keyboard.press("Escape");
      await page.locator("#drawer").waitFor({ state: "hidden" });
    }
  }, 30_000);

  /** The drawer's body, as the operator reads it, against what was sent. */
  async function drawerShows(shown: ReturnType<Page["locator"]>, body: unknown): Promise<void> {
    const text = (await shown.textContent())!;
    expect(text).toBe(JSON.stringify(body, null, 2));
    expect(JSON.parse(text)).toEqual(body);
    expect(text).toContain('\n  "order": {\n    "id": 42,\n    "lines": [\n      {\n        "sku": "KAFFEE-☕",');
    expect(text).toContain('"note": "„bitte klingeln“ — 日本語"');
    // Shown as laid out: a <pre> keeps the newlines and the indentation on screen.
    expect(await shown.evaluate((el) => getComputedStyle(el).whiteSpace)).toMatch(/^pre/);
    expect((await shown.innerText()).split("\n")).toHaveLength(text.split("\n").length);
    // The stored entry beside it: the body as one JSON field, the header as a string field.
    expect(JSON.parse((await page.locator('#drawer [data-field="body"]').textContent())!)).toEqual(body);
    expect(await page.locator('#drawer [data-field="source"]').textContent()).toBe("e2e");
  }

  it("renders on a phone-sized screen without errors; screenshots saved", async () => {
    const artifacts = join(PROJECT_DIR, "test-artifacts");
    await mkdir(artifacts, { recursive: true });
    const desktop = join(artifacts, "dashboard-desktop.png");
    await page.screenshot({ path: desktop, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    // On a phone the sidebar is a drawer behind the menu button.
    expect(await page.locator('#sidebar a[data-fn="payments"]').isVisible()).toBe(false);
    await page.click("#menu");
    await page.locator('#sidebar a[data-fn="payments"]').waitFor({ state: "visible" });
    const phone = join(artifacts, "dashboard-phone.png");
    await page.screenshot({ path: phone, fullPage: true });
    await page.keyboard.press("Escape");
    console.log(`dashboard screenshots: ${desktop} ${phone}`);
    expect(problems).toEqual([]);
  }, 30_000);
});
