/**
 * `cronsumer init`: adds cronsumer to the Worker project in the current
 * directory. It prints what it would change, and changes it only when the
 * user confirms, or with `--yes`. It creates only files that do not exist
 * and appends only what is missing; it refuses to run without a readable
 * wrangler.toml, before planning anything.
 *
 *   npx cronsumer init [--yes] [--drainer]
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { assertReadable } from "../dev/stack/project.js";
import { planInit, type Change, type Plan } from "./init/plan.js";

export const USAGE = `usage: cronsumer init [--yes] [--drainer]

  --yes, -y   apply the plan without asking
  --drainer   also add the CronsumerDrainer Durable Object binding and migration (fan-out)

Creates only files that do not exist and appends only what is missing; prints the plan first.`;

export interface InitIo {
  out(line: string): void;
  err(line: string): void;
  /** Asks a yes/no question; undefined when nobody can answer (stdin is no terminal). */
  confirm(question: string): Promise<boolean | undefined>;
}

const consoleIo: InitIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  async confirm(question) {
    if (!process.stdin.isTTY) return undefined;
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
};

/** `argv` is what follows `init`; returns the exit code. */
export async function main(argv: readonly string[], _env: NodeJS.ProcessEnv, io: InitIo = consoleIo, projectDir = process.cwd()): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: [...argv], options: { yes: { type: "boolean", short: "y" }, drainer: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true }).values;
  } catch (error) {
    io.err(`cronsumer init: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    await assertReadable(join(projectDir, "wrangler.toml"));
  } catch (error) {
    io.err(`cronsumer init: ${(error as Error).message}. Nothing was changed.`);
    return 1;
  }
  const plan = await planInit(projectDir, { drainer: args.drainer === true });
  io.out(describe(plan));
  if (plan.changes.length === 0) {
    io.out("cronsumer init: nothing to change.");
    return 0;
  }
  const go = args.yes === true || (await io.confirm("Apply these changes?"));
  if (go !== true) {
    io.err(go === undefined ? "cronsumer init: nothing was changed; run it in a terminal to confirm, or with --yes." : "cronsumer init: nothing was changed.");
    return 1;
  }
  for (const change of plan.changes) await apply(projectDir, change);
  io.out(await nextSteps(projectDir));
  return 0;
}

function describe(plan: Plan): string {
  const lines = ["cronsumer init would:"];
  for (const c of plan.changes) lines.push(`  ${c.action === "create" ? "create" : "append to"} ${c.path}: ${c.why}`);
  if (plan.changes.length === 0) lines.push("  (nothing)");
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

async function apply(projectDir: string, change: Change): Promise<void> {
  const path = join(projectDir, change.path);
  if (change.action === "append") {
    await appendFile(path, change.content);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  // `wx`: a file that appeared since the plan was made is still never overwritten.
  await writeFile(path, change.content, { flag: "wx", mode: change.mode ?? 0o644 });
}

async function nextSteps(projectDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(projectDir, "package.json"), "utf8").catch(() => "{}")) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
  const has = (name: string) => manifest.devDependencies?.[name] !== undefined || manifest.dependencies?.[name] !== undefined;
  const missing = ["wrangler", "vitest"].filter((name) => !has(name));
  return [
    "cronsumer init: done. Next:",
    ...(missing.length > 0 ? [`  npm install --save-dev ${missing.join(" ")}`] : []),
    "  add the example to your Worker: see src/functions/example.ts",
    "  npx cronsumer dev      # the local stack: store, bridge, wrangler dev, cron",
    "  npx vitest run         # the example's test, no Redis needed",
  ].join("\n");
}
