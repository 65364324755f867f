/**
 * What `cronsumer init` would change in a project, worked out before
 * anything is written: files to create (only where none exists) and lines
 * to append (only what is missing). Nothing a user wrote is ever replaced.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { readCrons } from "../../dev/stack/cron-driver.js";
import { exampleFunction, exampleTest } from "./templates.js";

export interface Change {
  /** Relative to the project. */
  path: string;
  action: "create" | "append";
  content: string;
  /** One line for the plan. */
  why: string;
  /** File mode for a created file (the .dev.vars secret). */
  mode?: number;
}

export interface Plan {
  changes: Change[];
  /** What was left alone, and what the user still has to do. */
  notes: string[];
}

export interface PlanOptions {
  /** Add the CronsumerDrainer binding and migration (fan-out). */
  drainer?: boolean;
}

export const DEFAULT_CRON = "* * * * *";
const FUNCTION_FILE = "src/functions/example.ts";
const TEST_FILE = "test/example.test.ts";

async function readOrUndefined(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
}

const endsWithNewline = (text: string) => text === "" || text.endsWith("\n");
const appended = (existing: string, lines: string) => `${endsWithNewline(existing) ? "" : "\n"}${lines}`;

export async function planInit(projectDir: string, options: PlanOptions = {}): Promise<Plan> {
  const changes: Change[] = [];
  const notes: string[] = [];
  const tomlPath = join(projectDir, "wrangler.toml");
  const toml = await readFile(tomlPath, "utf8");

  const crons = await readCrons(tomlPath);
  const cron = crons[0] ?? DEFAULT_CRON;
  const tomlAppend: string[] = [];
  if (crons.length > 0) notes.push(`wrangler.toml already has crons: the example runs on ${JSON.stringify(cron)}`);
  else if (/^\s*\[triggers\]/m.test(toml)) notes.push(`wrangler.toml has a [triggers] section without crons: add crons = [${JSON.stringify(DEFAULT_CRON)}] to it yourself`);
  else tomlAppend.push(`\n# cronsumer: its functions run on these crons (UTC).\n[triggers]\ncrons = [${JSON.stringify(DEFAULT_CRON)}]\n`);
  if (options.drainer) {
    if (toml.includes("CronsumerDrainer")) notes.push("wrangler.toml already names CronsumerDrainer: left as it is");
    else {
      tomlAppend.push(
        `\n# cronsumer fan-out (maxParallelRuns): export const CronsumerDrainer = createDrainer({ functions }) from your entry.\n[[durable_objects.bindings]]\nname = "CRONSUMER_DRAINER"\nclass_name = "CronsumerDrainer"\n\n[[migrations]]\ntag = "cronsumer-drainer-v1"\nnew_sqlite_classes = ["CronsumerDrainer"]\n`,
      );
      notes.push("export the drainer from your entry: export const CronsumerDrainer = createDrainer({ functions })");
    }
  }
  if (tomlAppend.length > 0) changes.push({ path: "wrangler.toml", action: "append", content: appended(toml, tomlAppend.join("")), why: options.drainer ? "crons and the CronsumerDrainer binding" : "the cron the example runs on" });

  const devVars = await readOrUndefined(join(projectDir, ".dev.vars"));
  const token = `API_TOKEN=${randomBytes(24).toString("base64url")}\n`;
  if (devVars === undefined) changes.push({ path: ".dev.vars", action: "create", content: token, mode: 0o600, why: "a generated API_TOKEN for the local API and dashboard (owner-only file)" });
  else if (/^\s*API_TOKEN\s*=/m.test(devVars)) notes.push(".dev.vars already sets API_TOKEN: left as it is");
  else changes.push({ path: ".dev.vars", action: "append", content: appended(devVars, token), why: "a generated API_TOKEN for the local API and dashboard" });

  const gitignore = await readOrUndefined(join(projectDir, ".gitignore"));
  const ignoreMissing = [".dev.vars", ".cronsumer/"].filter((line) => !(gitignore ?? "").split(/\r?\n/).some((l) => l.trim() === line || l.trim() === line.replace(/\/$/, "")));
  if (ignoreMissing.length > 0) {
    const lines = `${ignoreMissing.join("\n")}\n`;
    changes.push(gitignore === undefined ? { path: ".gitignore", action: "create", content: lines, why: "keep secrets and local data out of git" } : { path: ".gitignore", action: "append", content: appended(gitignore, lines), why: "keep secrets and local data out of git" });
  }

  for (const [path, content, why] of [
    [FUNCTION_FILE, exampleFunction(cron), "an example polling function"],
    [TEST_FILE, exampleTest(relative(join(projectDir, "test"), join(projectDir, FUNCTION_FILE)).replace(/\.ts$/, "")), "its first test, on cronsumer/testing (no Redis)"],
  ] as const) {
    if ((await readOrUndefined(join(projectDir, path))) !== undefined) notes.push(`${path} exists: left as it is`);
    else changes.push({ path, action: "create", content, why });
  }
  return { changes, notes };
}
