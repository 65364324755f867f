/**
 * A newcomer's machine: `npm start` with no REDIS_URL and no redis-server on
 * PATH (PATH holds only `node`), so the stack must choose the embedded
 * engine. The CLI runs as a child process, the dashboard must be served
 * within 60 s, the demo must settle, and after Ctrl-C (SIGINT) no process
 * of the stack may be left and none of its ports may listen.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_STREAM } from "../../../src/functions/payments.js";
import { demoOrders } from "../../../src/dev/stack/demo-orders.js";
import { freePort } from "../../../src/dev/stack/ports.js";
import { redisView } from "../../../src/dev/stack/redis-view.js";
import { onPath } from "../../../src/dev/stack/redis-server.js";
import { readStackFile, type StackFile } from "../../../src/dev/stack/stack-file.js";
import { PROJECT_DIR } from "../../../src/dev/stack/stack.js";
import { killGroups, listening, processesInGroups, tempDir, waitFor } from "./support.js";

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Rejects, with the output, if the child exits first: races a wait that needs it alive. */
  alive: Promise<never>;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv, detached = false): Child {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: PROJECT_DIR, env, detached, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const alive = exited.then((code) => Promise.reject(new Error(`${script} exited (${code}):\n${output}`)));
  alive.catch(() => {});
  return { process: child, output: () => output, exited, alive };
}

describe.sequential("npm start on a machine with only Node", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: NodeJS.ProcessEnv;
  let start: Child;
  let state: StackFile;
  const stateDir = () => join(work.path, ".cronsumer");

  beforeAll(async () => {
    work = await tempDir("fresh");
    // PATH with node alone: no redis-server, as on a machine with only Node and npm.
    const bin = join(work.path, "bin");
    await mkdir(bin);
    await symlink(process.execPath, join(bin, "node"));
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(REDIS_URL|CRONSUMER_|FN_|WEBHOOK_|API_TOKEN|BRIDGE_)/.test(name)));
    Object.assign(env, { PATH: bin, PORT: String(await freePort()), BRIDGE_PORT: String(await freePort()), CRONSUMER_DIR: stateDir() });
  });

  afterAll(async () => {
    // Only if a test failed half-way: the stack's own stop is what the last test proves.
    if (start?.process.exitCode === null) killGroups([start.process.pid!, ...(state ? [state.pids.wrangler] : [])]);
    await work?.remove();
  });

  it("has no redis-server on its PATH", () => {
    expect(onPath("redis-server", env.PATH)).toBe(false);
    expect(onPath("node", env.PATH)).toBe(true);
  });

  it("serves the dashboard within 60 s, on the embedded engine, and says what it started", async () => {
    const started = Date.now();
    start = run("src/cli/index.ts", ["dev", "--cron-every", "2"], env, true);
    state = await Promise.race([waitFor("stack.json", () => readStackFile(stateDir()), 60_000), start.alive]);
    const page = await waitFor("GET /", async () => {
      const response = await fetch(state.dashboardUrl);
      return response.ok ? response.text() : undefined;
    }, 60_000 - (Date.now() - started));
    expect(page).toContain('<form id="login"');
    expect(Date.now() - started).toBeLessThan(60_000);

    expect(state.store).toBe("embedded");
    expect(state.pids.store).toEqual([]);
    await waitFor("the banner", () => (start.output().includes("Ctrl-C stops everything") ? true : undefined), 5_000);
    const out = start.output();
    expect(out).toContain("embedded engine (no REDIS_URL, no redis-server on PATH)");
    expect(out).toContain(`API        ${state.apiUrl}`);
    expect(out).toContain(`token      ${state.token}`);
    expect(out).toContain(`dashboard  ${state.dashboardUrl}`);
    expect(out).toContain("FN_PAYMENTS_VISIBILITY_TIMEOUT_MS=8000");
  }, 90_000);

  it("runs the demo to completion: every valid order in the ledger, the failing ones in orders:dlq", async () => {
    const demo = run("tools/demo.ts", ["--timeout", "60"], env);
    const code = await demo.exited;
    const out = demo.output();
    expect(code, out).toBe(0);
    expect(out).toContain("demo: ok");

    // Checked again here, through the bridge, not only by the demo's own summary.
    const runId = /demo: run ([0-9a-f]+)/.exec(out)![1]!;
    const orders = demoOrders(runId);
    const view = redisView(state.bridgeUrl, state.bridgeToken);
    const ledger = (await view.entries(LEDGER_STREAM)).map((e) => e.fields?.orderID);
    const dead = (await view.deadLetters("orders:dlq")).filter((d) => d.fields.demo === runId);
    expect(ledger.filter((id) => id?.startsWith(`demo-${runId}-`)).sort()).toEqual(orders.filter((o) => o.expected === "charged").map((o) => o.orderID));
    expect(dead.map((d) => [d.fields.orderID, d.deliveries]).sort()).toEqual(
      orders.filter((o) => o.expected !== "charged").map((o) => [o.orderID, o.expected === "invalid" ? 1 : 5]),
    );
    expect((await view.pending("orders:payments", "payment-processors")).length).toBe(0);
  }, 90_000);

  it("stops everything on SIGINT: no process of the stack is left, no port listens", async () => {
    const groups = [start.process.pid!, state.pids.wrangler];
    expect((await processesInGroups(groups)).length).toBeGreaterThan(2);
    start.process.kill("SIGINT");
    expect(await start.exited, start.output()).toBe(0);
    expect(start.output()).toContain("cronsumer dev: stopped; nothing left running");

    const left = await waitFor("the stack's processes to exit", async () => {
      const found = await processesInGroups(groups);
      return found.length === 0 ? found : undefined;
    }, 10_000).catch(async () => processesInGroups(groups));
    expect(left, JSON.stringify(left)).toEqual([]);
    expect(await listening(Object.values(state.ports))).toEqual([]);
    expect(await readStackFile(stateDir())).toBeUndefined();
  }, 30_000);
});
