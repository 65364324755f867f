/**
 * The local stack keeps its secrets from other local users: no process's
 * command line (what `ps` shows everyone) holds a token or the Redis
 * password; the Worker's bindings sit in a file only this user can read,
 * gone once the stack stops; and the spawned redis-server answers nothing
 * without its password, on 127.0.0.1 only.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../src/dev/stack/ports.js";
import { startStack, type Stack } from "../../../src/dev/stack/stack.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { apiClient, tempDir } from "./support.js";

/** Every process's arguments, as any local user can read them. */
async function commandLines(): Promise<{ pid: number; args: string[] }[]> {
  const found: { pid: number; args: string[] }[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const raw = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (raw !== "") found.push({ pid: Number(name), args: raw.split("\0") });
  }
  return found;
}

/** What Redis answers a client that never sent AUTH. */
function unauthenticatedPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write("PING\r\n"));
    let reply = "";
    socket.setTimeout(2_000, () => socket.destroy(new Error("no answer to PING")));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) socket.end();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(reply));
  });
}

describe.skipIf(ON_ENGINE)(realRedisOnly("the local stack's secrets", "a redis-server binary for the stack to spawn"), () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stack: Stack | undefined;
  const apiToken = randomBytes(18).toString("base64url");
  // A `$`, a quote and a `#`, each of which a careless env file would mangle: the Worker must still reach the bridge.
  const bridgeToken = `bridge$HOME'#${randomBytes(12).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(12).toString("hex")}`;
  let redisPassword: string;

  beforeAll(async () => {
    dir = await tempDir("secrets");
    stack = await startStack({
      dir: dir.path,
      store: "redis-server",
      cron: false,
      port: await freePort(),
      bridgePort: await freePort(),
      apiToken,
      bridgeToken,
      vars: { WEBHOOK_SECRET: webhookSecret },
    });
    redisPassword = new URL(stack.redisUrl!).password;
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await dir?.remove();
  });

  it("gives the Worker its tokens intact: it takes the API token and reaches Redis with the bridge token", async () => {
    const api = apiClient(stack!.apiUrl, apiToken);
    const sent = await api<{ ids: string[] }>("POST", `/streams/${encodeURIComponent("orders:payments")}/messages`, { orderID: "secrets-1", amount: "1.00" });
    expect(sent.ids).toHaveLength(1);
  });

  it("shows no token and no password in any process's arguments", async () => {
    const secrets = [apiToken, bridgeToken, webhookSecret, redisPassword].filter((secret) => secret !== "");
    const lines = await commandLines();
    expect(lines.some((line) => line.pid === stack!.pids.wrangler)).toBe(true);
    const leaks = lines.filter((line) => secrets.some((secret) => line.args.some((arg) => arg.includes(secret))));
    expect(leaks.map((line) => `${line.pid}: ${line.args.join(" ")}`)).toEqual([]);
    expect(redisPassword).toMatch(/^[0-9a-f]{48}$/);
  });

  it("hands wrangler its bindings in a file only this user can read", async () => {
    const wrangler = (await commandLines()).find((line) => line.pid === stack!.pids.wrangler)!;
    const envFile = wrangler.args[wrangler.args.lastIndexOf("--env-file") + 1]!;
    expect(((await stat(envFile)).mode & 0o777).toString(8)).toBe("600");
    expect(((await stat(dirname(envFile))).mode & 0o777).toString(8)).toBe("700");
    expect(envFile.startsWith(dir.path)).toBe(false);
    expect(await readFile(envFile, "utf8")).toContain(`WEBHOOK_SECRET='${webhookSecret}'`);
  });

  it("runs redis-server with a password, on 127.0.0.1 only, its data readable by this user alone", async () => {
    const port = Number(new URL(stack!.redisUrl!).port);
    expect(await unauthenticatedPing(port)).toMatch(/^-NOAUTH /);
    const client = createClient({ url: stack!.redisUrl!, RESP: 2 });
    await client.connect();
    try {
      expect(await client.sendCommand(["CONFIG", "GET", "bind"])).toEqual(["bind", "127.0.0.1"]);
    } finally {
      client.destroy();
    }
    expect(((await stat(join(dir.path, "redis"))).mode & 0o777).toString(8)).toBe("700");
  });

  it("removes the bindings file when it stops", async () => {
    const wrangler = (await commandLines()).find((line) => line.pid === stack!.pids.wrangler)!;
    const envFile = wrangler.args[wrangler.args.lastIndexOf("--env-file") + 1]!;
    await stack!.stop();
    stack = undefined;
    expect(existsSync(envFile)).toBe(false);
    expect(existsSync(dirname(envFile))).toBe(false);
  }, 30_000);
});
