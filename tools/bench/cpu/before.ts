/**
 * The engine as it was before the CPU work (commit `BEFORE_COMMIT`), built
 * into its own copy of the CPU bench's Worker, so the bench can run the
 * before and the after engine side by side and alternate between them: on a
 * shared, loaded machine, figures taken minutes apart do not compare, figures
 * taken in turns do. The old `src/` is extracted with `git archive` under
 * `.wrangler/` (ignored by git; node_modules still resolve from there), next
 * to today's bench Worker files, with its own engine.ts (`BEFORE_ENGINE`):
 * the modules the Worker runs sat elsewhere in that tree.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

/** The last commit before the CPU work (maxCpuMs, cpu-estimate.ts, the per-message cuts). */
export const BEFORE_COMMIT = "40afb87";

/** engine.ts for the tree of `BEFORE_COMMIT`: its paths, and no folded loop (the bench runs that on today's Worker). */
const BEFORE_ENGINE = `export { definePollingFunction } from "../../../src/core/define.js";
export type { PollingFunction } from "../../../src/core/define.js";
export { runFunction } from "../../../src/core/run.js";
export { transportFromEnv } from "../../../src/functions/redis.js";
export const baselineRun = (..._: unknown[]): undefined => undefined;
`;

/** Builds the before Worker's tree and returns its wrangler.toml. */
export async function materializeBefore(projectDir: string): Promise<string> {
  const dir = join(projectDir, ".wrangler", "cpu-bench-before");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { stdout } = await promisify(execFile)("git", ["-C", projectDir, "archive", "--format=tar", BEFORE_COMMIT, "src"], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    const tar = execFile("tar", ["-x", "-C", dir], (error) => (error ? reject(error) : resolve()));
    tar.stdin!.end(stdout);
  });
  const from = join(projectDir, "tools/bench/cpu");
  const to = join(dir, "tools/bench/cpu");
  await mkdir(to, { recursive: true });
  for (const f of ["worker.ts", "replay.ts"]) await copyFile(join(from, f), join(to, f));
  await writeFile(join(to, "engine.ts"), BEFORE_ENGINE);
  const toml = (await readFile(join(from, "wrangler.toml"), "utf8")).replace(/^name = .*$/m, 'name = "cronsumer-cpu-bench-before"');
  await writeFile(join(to, "wrangler.toml"), toml);
  return join(to, "wrangler.toml");
}
