/**
 * The "Develop locally" path, end to end, as a stranger walks it: pack this
 * repository, make a fresh Worker project in a temporary directory that
 * cannot see these sources (a var of its own in wrangler.toml that its
 * handler reads), install the tarball, wrangler and vitest from the local
 * npm cache, `npx cronsumer init --yes`, `npx cronsumer dev` with no
 * redis-server on PATH, enqueue through the API and see the handler's effect
 * in the store within seconds (the enqueue wakes the function: no cron
 * tick), load the dashboard, SIGINT and find nothing left running or
 * listening; then run the test `init` wrote with `npx vitest run` and no
 * Redis anywhere (it passes), break the example function, and see it fail.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isListening, freePort } from "../../../src/dev/stack/ports.js";
import { onPath } from "../../../src/dev/stack/redis-server.js";
import { readStackFile, type StackFile } from "../../../src/dev/stack/stack-file.js";
import { redisView } from "../../../src/dev/stack/redis-view.js";
import { killGroups, processesInGroups, tempDir, waitFor } from "../stack/support.js";
import { packRepository } from "./user-worker.js";

const repo = resolve(import.meta.dirname, "../../..");
const NPX = realpathSync(execFileSync("which", ["npx"], { encoding: "utf8" }).trim());
/** The versions this repository is tested with, so the install comes from the local npm cache. */
const devDependencies = (() => {
  const own = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return { wrangler: own.devDependencies.wrangler!, vitest: own.devDependencies.vitest! };
})();

const ENTRY = `
import { createWorker, definePollingFunction } from "cronsumer";

const greet = definePollingFunction({
  name: "greet",
  stream: "greetings",
  group: "greeters",
  crons: ["* * * * *"],
  async handle(message, ctx) {
    ctx.effects.xadd("greetings:done", { to: message.fields.to ?? "", greeting: String(ctx.env.GREETING) });
  },
});

export default createWorker({ functions: [greet] });
`;

interface Run {
  code: number | null;
  output: string;
}

function runIn(dir: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", fail);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe.sequential("a fresh Worker project: npm install cronsumer wrangler, cronsumer init, cronsumer dev, vitest", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let dev: ChildProcess | undefined;
  let devOutput = "";
  let state: StackFile | undefined;

  beforeAll(async () => {
    work = await tempDir("local-dev");
    project = join(work.path, "my-worker");
    await mkdir(join(project, "src"), { recursive: true });
    const tarball = await packRepository(repo, work.path);
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "my-worker", private: true, type: "module", dependencies: { cronsumer: `file:${tarball}` }, devDependencies }, null, 2),
    );
    await writeFile(join(project, "wrangler.toml"), ['name = "my-worker"', 'main = "src/index.ts"', 'compatibility_date = "2026-04-20"', "", "[vars]", 'GREETING = "hello from my wrangler.toml"', ""].join("\n"));
    await writeFile(join(project, "src", "index.ts"), ENTRY);
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: project, stdio: "pipe", maxBuffer: 16 << 20 });

    // PATH with node and sh alone: no redis-server, as on a machine with only Node and npm.
    const bin = join(work.path, "bin");
    await mkdir(bin);
    await symlink(process.execPath, join(bin, "node"));
    await symlink("/bin/sh", join(bin, "sh"));
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(REDIS_URL|CRONSUMER_|FN_|WEBHOOK_|API_TOKEN|BRIDGE_|UPSTASH_|VITEST|NODE_OPTIONS)/.test(name)));
    Object.assign(env, { PATH: bin, PORT: String(await freePort()), BRIDGE_PORT: String(await freePort()), WRANGLER_SEND_METRICS: "false" });
  }, 240_000);

  afterAll(async () => {
    // Only if a test failed half-way: the stack's own stop is what a test proves.
    if (dev?.exitCode === null) killGroups([dev.pid!, ...(state ? [state.pids.wrangler] : [])]);
    await work?.remove();
  });

  it("has no redis-server on its PATH, and cannot see this repository's sources", () => {
    expect(onPath("redis-server", env.PATH)).toBe(false);
    expect(project.startsWith(repo)).toBe(false);
    expect(realpathSync(join(project, "node_modules", "cronsumer")).startsWith(repo)).toBe(false);
  });

  it("npx cronsumer init --yes adds the cron, .dev.vars, the example and its test", async () => {
    const { code, output } = await runIn(project, [NPX, "--no-install", "cronsumer", "init", "--yes"], env);
    expect(code, output).toBe(0);
    expect(await readFile(join(project, "wrangler.toml"), "utf8")).toContain('crons = ["* * * * *"]');
    expect(await readFile(join(project, ".dev.vars"), "utf8")).toMatch(/^API_TOKEN=/);
    expect(await readFile(join(project, "test", "example.test.ts"), "utf8")).toContain("cronsumer/testing");
  }, 60_000);

  it("npx cronsumer dev: an enqueue through the API reaches the handler, which reads its var, within seconds; the dashboard loads", async () => {
    dev = spawn(process.execPath, [NPX, "--no-install", "cronsumer", "dev"], { cwd: project, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    dev.stdout!.on("data", (c: Buffer) => (devOutput += c.toString("utf8")));
    dev.stderr!.on("data", (c: Buffer) => (devOutput += c.toString("utf8")));
    state = await waitFor("stack.json", async () => {
      if (dev!.exitCode !== null) throw new Error(`cronsumer dev exited (${dev!.exitCode}):\n${devOutput}`);
      return readStackFile(join(project, ".cronsumer"));
    }, 90_000);
    expect(state.store).toBe("embedded");
    const token = /^API_TOKEN=(.*)$/m.exec(await readFile(join(project, ".dev.vars"), "utf8"))![1];
    expect(state.token).toBe(token);

    const enqueued = Date.now();
    const response = await fetch(`${state.apiUrl}/streams/greetings/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${state.token}`, "content-type": "application/json" },
      body: JSON.stringify({ to: "ada" }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const view = redisView(state.bridgeUrl, state.bridgeToken);
    const done = await waitFor("the handler's effect", async () => {
      const entries = await view.entries("greetings:done");
      return entries.length > 0 ? entries : undefined;
    }, 10_000, 100);
    expect(done.map((e) => e.fields)).toEqual([{ to: "ada", greeting: "hello from my wrangler.toml" }]);
    expect(Date.now() - enqueued).toBeLessThan(10_000);
    expect(await view.pending("greetings", "greeters")).toEqual([]);

    await waitFor("the banner", () => (devOutput.includes("Ctrl-C stops everything") ? true : undefined), 5_000);
    expect(devOutput).toContain(`token      ${state.token}`);
    const page = await fetch(state.dashboardUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="login"');
  }, 120_000);

  it("stops on SIGINT: no process of the stack left, no port listening, no stack.json", async () => {
    const groups = [dev!.pid!, state!.pids.wrangler];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => dev!.once("exit", (code, signal) => done({ code, signal })));
    // Ctrl-C in a terminal signals the whole foreground process group: npx, its shell and cronsumer.
    process.kill(-dev!.pid!, "SIGINT");
    // npx itself may end at once on SIGINT (npm's own handling); cronsumer goes on stopping the stack.
    expect([{ code: 0, signal: null }, { code: null, signal: "SIGINT" }], devOutput).toContainEqual(await exited);
    const left = await waitFor("the stack's processes to exit", async () => {
      const found = await processesInGroups(groups);
      return found.length === 0 ? found : undefined;
    }, 15_000).catch(async () => processesInGroups(groups));
    expect(devOutput).toContain("cronsumer dev: stopped; nothing left running");
    expect(left, JSON.stringify(left)).toEqual([]);
    const listening = [];
    for (const port of Object.values(state!.ports)) if (await isListening(port)) listening.push(port);
    expect(listening).toEqual([]);
    expect(await readStackFile(join(project, ".cronsumer"))).toBeUndefined();
  }, 30_000);

  it("npx vitest run passes the test init wrote, with no Redis anywhere; it fails once the function always fails", async () => {
    const passing = await runIn(project, [NPX, "--no-install", "vitest", "run"], env);
    expect(passing.code, passing.output).toBe(0);
    expect(passing.output).toMatch(/2 passed/);

    const file = join(project, "src", "functions", "example.ts");
    const source = await readFile(file, "utf8");
    const broken = source.replace("async handle(message, ctx) {", 'async handle(message, ctx) {\n    throw new Error("always fails");');
    expect(broken).not.toBe(source);
    await writeFile(file, broken);
    const failing = await runIn(project, [NPX, "--no-install", "vitest", "run"], env);
    expect(failing.code, failing.output).not.toBe(0);
    expect(failing.output).toContain("handles a job");
    expect(failing.output).toMatch(/2 failed/);
  }, 120_000);
});
