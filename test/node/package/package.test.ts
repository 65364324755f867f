/**
 * The package as a user gets it: `npm pack` this repository, install the
 * tarball into a fresh Worker project elsewhere on disk, run that project
 * under `wrangler dev --test-scheduled` against the bridge, fire its cron,
 * and read the outcome in Redis. The handler calls `ctx.fetch` against a real
 * local HTTP server and writes an effect, so both are proven in workerd
 * through the published surface only.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../../src/dev/stack/ports.js";
import { redisTcp, type RedisTcp } from "../../support/keys.js";
import { makeUserProject, packRepository, type UserProject } from "./user-worker.js";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../../..");
const wrangler = join(repo, "node_modules", ".bin", "wrangler");

let scratch: string;
let tarball: string;
let project: UserProject;
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];
let worker: ChildProcess | undefined;
let workerUrl: string;
let tcp: RedisTcp;
const log: string[] = [];

beforeAll(async () => {
  tcp = await redisTcp();
  await tcp.del(["user-app:notifications", "user-app:sent", "cronsumer:runs:notify", "{user-app:notifications}:cronsumer-gate"]);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(body);
      res.writeHead(body === "missing" ? 404 : 200).end(`receipt-${received.length}`);
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  scratch = await mkdtemp(join(tmpdir(), "cronsumer-pack-"));
  tarball = await packRepository(repo, scratch);
  project = await makeUserProject(tarball, {
    UPSTASH_REDIS_REST_URL: inject("bridgeUrl"),
    UPSTASH_REDIS_REST_TOKEN: inject("bridgeToken"),
    API_TOKEN: "user-api-token",
    RECEIVER_URL: receiverUrl,
  });
  worker = await startUserWorker(project.dir);
}, 300_000);

afterAll(async () => {
  if (worker?.pid) {
    try {
      process.kill(-worker.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  receiver?.closeAllConnections();
  await new Promise((ok) => receiver?.close(ok));
  await tcp?.del(["user-app:notifications", "user-app:sent", "cronsumer:runs:notify", "{user-app:notifications}:cronsumer-gate", "user-app:notifications:dlq"]);
  tcp?.destroy();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  if (project) await rm(project.dir, { recursive: true, force: true });
});

async function startUserWorker(dir: string): Promise<ChildProcess> {
  const port = await freePort();
  const inspector = await freePort();
  workerUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [wrangler, "dev", "--test-scheduled", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--show-interactive-dev-session=false"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", FORCE_COLOR: "0" },
  });
  const keep = (chunk: Buffer) => log.push(...chunk.toString("utf8").split(/\r?\n/).filter(Boolean));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log.slice(-30).join("\n")}`);
    const res = await fetch(`${workerUrl}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (res) {
      await res.arrayBuffer();
      if (res.status === 200) return child;
    }
    await sleep(300);
  }
  throw new Error(`the user's Worker did not answer /health in 120 s:\n${log.slice(-30).join("\n")}`);
}

/** Fires the cron, then waits for the run itself: /__scheduled answers before the waitUntil work is over. */
async function tick(until: () => Promise<boolean>): Promise<void> {
  const res = await fetch(`${workerUrl}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await until()) return;
    await sleep(100);
  }
  throw new Error(`the run did not finish in 20 s:\n${log.slice(-30).join("\n")}`);
}

describe("the packed package in a user's own Worker", () => {
  it("holds ES modules and type declarations, and none of the dev tooling or examples", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.split("\n").filter(Boolean);
    expect(files).toContain("package/dist/index.js");
    expect(files).toContain("package/dist/index.d.ts");
    expect(files.filter((f) => /^package\/(tools|test|src)\//.test(f))).toEqual([]);
    // dist/dev/stack/worker.js is the stack's `wrangler dev` child, not this repository's example Worker.
    expect(files.filter((f) => /\/(payments|webhook|worker)\.js$/.test(f) && !f.startsWith("package/dist/dev/"))).toEqual([]);
    const installed = JSON.parse(await readFile(join(project.dir, "node_modules", "cronsumer", "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(installed.exports)).toEqual([".", "./testing", "./dev"]);
  });

  it("runs a function whose handler calls ctx.fetch and writes an effect, when the cron fires", async () => {
    const id = (await tcp.xAdd("user-app:notifications", "*", { text: "hello from a user" })) as string;
    await tick(async () => (await tcp.xLen("user-app:sent")) > 0);
    expect(received).toEqual(["hello from a user"]);
    const sent = await tcp.xRange("user-app:sent", "-", "+");
    expect(sent.map((e) => e.message)).toEqual([{ text: "hello from a user", id, receipt: "receipt-1" }]);
    const summary = (await tcp.sendCommand(["XPENDING", "user-app:notifications", "notifiers"])) as [number, ...unknown[]];
    expect(summary[0]).toBe(0);
  });

  it("serves the API from the same Worker, with the user's token", async () => {
    const res = await fetch(`${workerUrl}/streams/${encodeURIComponent("user-app:notifications")}/messages`, {
      method: "POST",
      headers: { Authorization: "Bearer user-api-token", "Content-Type": "application/json" },
      body: JSON.stringify({ text: "missing" }),
    });
    expect(res.status).toBe(201);
    const { ids } = (await res.json()) as { ids: string[] };
    await tick(async () => (await tcp.xLen("user-app:notifications:dlq")) > 0);
    const [letter] = await tcp.xRange("user-app:notifications:dlq", "-", "+");
    expect(letter!.message["original-id"]).toBe(ids[0]);
    expect(letter!.message.error).toContain("receiver answered 404");
  });

  it("ships `npx cronsumer doctor`, which passes against the bridge with the token from the environment", async () => {
    const env = { ...process.env, UPSTASH_REDIS_REST_URL: inject("bridgeUrl"), UPSTASH_REDIS_REST_TOKEN: inject("bridgeToken") };
    // Skip the 1,000-entry PEL probe: this test is about the installed command, and doctor's own tests cover the checks.
    const { stdout } = await run("npx", ["--no-install", "cronsumer", "doctor", "--skip", "per-consumer pending limit"], { cwd: project.dir, env, maxBuffer: 16 << 20 });
    expect(stdout).toMatch(/XAUTOCLAIM reply/);
    expect(stdout).not.toContain(inject("bridgeToken"));
  });

  it("bundles into a small Worker (sizes printed for the README)", async () => {
    const out = await mkdtemp(join(tmpdir(), "cronsumer-bundle-"));
    try {
      const { stdout } = await run(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", out], {
        cwd: project.dir,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
        maxBuffer: 16 << 20,
      });
      const upload = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(stdout);
      expect(upload).not.toBeNull();
      const bundle = await readFile(join(out, (await readdir(out)).find((f) => f.endsWith(".js"))!), "utf8");
      // esbuild heads each module with its path: the runtime is there, the dev entry points are not.
      expect(bundle).toContain("node_modules/cronsumer/dist/core/");
      expect(bundle).not.toContain("node_modules/cronsumer/dist/dev/");
      expect(bundle).not.toContain("node_modules/cronsumer/dist/testing/");
      expect(bundle).not.toContain("wasmoon");
      const tgz = (await stat(tarball)).size;
      console.log(`package: ${(tgz / 1024).toFixed(1)} KiB packed; minimal user Worker: ${upload![1]} (gzip ${upload![2]})`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
