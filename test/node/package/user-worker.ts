/**
 * A user's Worker project made from scratch in a temporary directory, as a
 * stranger would make it: the packed `cronsumer` tarball from npm install,
 * its own wrangler.toml, `.dev.vars` for secrets, and code that imports only
 * "cronsumer". It cannot see this repository's sources: only the tarball.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export const USER_WORKER_SOURCE = `
import { createWorker, definePollingFunction, PermanentError } from "cronsumer";

const notify = definePollingFunction({
  name: "notify",
  stream: "user-app:notifications",
  group: "notifiers",
  crons: ["*/5 * * * *"],
  async handle(message, ctx) {
    const response = await ctx.fetch(String(ctx.env.RECEIVER_URL), { method: "POST", body: message.fields.text });
    if (response.status === 404) throw new PermanentError("receiver answered 404");
    if (!response.ok) throw new Error("receiver answered " + response.status);
    ctx.effects.xadd("user-app:sent", { text: message.fields.text ?? "", id: message.id, receipt: await response.text() });
  },
});

export default createWorker({ functions: [notify] });
`;

export interface UserProject {
  dir: string;
}

/**
 * Packs this repository (`npm pack`, which builds the library first) into `into`; answers the tarball's path.
 * One pack at a time across test files: `prepack` deletes and rebuilds dist/, so two at once could pack
 * a half-built dist. The lock is a directory (mkdir is atomic); one older than the longest pack is stale.
 */
export async function packRepository(repoDir: string, into: string): Promise<string> {
  const lock = join(repoDir, "dist.pack-lock");
  for (const deadline = Date.now() + 240_000; ; ) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 180_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is still held after 240 s`);
      else await sleep(500);
    }
  }
  try {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", into], { cwd: repoDir, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(stdout) as { filename: string }[];
    return join(into, info!.filename);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export async function makeUserProject(tarball: string, vars: Record<string, string>): Promise<UserProject> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-user-"));
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "user-worker", private: true, type: "module", dependencies: { cronsumer: `file:${tarball}` } }, null, 2));
  await writeFile(
    join(dir, "wrangler.toml"),
    ['name = "user-worker"', 'main = "src/index.ts"', 'compatibility_date = "2026-04-20"', "", "[triggers]", 'crons = ["*/5 * * * *"]', ""].join("\n"),
  );
  await writeFile(join(dir, "src", "index.ts"), USER_WORKER_SOURCE);
  // Secrets go where a user puts them: .dev.vars, readable by its owner only.
  const devVars = join(dir, ".dev.vars");
  await writeFile(devVars, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });
  await chmod(devVars, 0o600);
  // The dependencies come from the npm cache that installing this repository filled; the registry only if it lacks them.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, maxBuffer: 16 << 20 });
  return { dir };
}
