/**
 * What the local stack reads from the Worker project it runs, besides what
 * wrangler reads itself: that its wrangler config is there at all, and the
 * non-secret local overrides in `package.json` under `cronsumer.devVars`
 * (for example `FN_<NAME>_VISIBILITY_TIMEOUT_MS`, so a retry shows within
 * seconds on a laptop). They live in package.json rather than `.dev.vars`
 * because they are committed, while `.dev.vars` holds secrets and is not.
 */
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";

export class ProjectError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProjectError";
  }
}

/** Throws a ProjectError naming the file and why it cannot be read. */
export async function assertReadable(config: string): Promise<void> {
  try {
    await access(config, constants.R_OK);
    // A folder passes access() (and root passes it for any file), yet cannot be read as one: read it to be sure.
    await readFile(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable by this user" : `cannot be read (${code})`;
    throw new ProjectError(`${config} ${why}: run this in a Worker project (the directory of its wrangler.toml), or pass --config`, { cause: error });
  }
}

/** `cronsumer.devVars` of `<projectDir>/package.json`, or {} without one. Values must be strings. */
export async function readDevVars(projectDir: string): Promise<Record<string, string>> {
  const path = join(projectDir, "package.json");
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return {};
  let manifest: { cronsumer?: { devVars?: unknown } };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch (error) {
    throw new ProjectError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const vars = manifest.cronsumer?.devVars;
  if (vars === undefined) return {};
  if (typeof vars !== "object" || vars === null || Array.isArray(vars)) throw new ProjectError(`${path}: cronsumer.devVars must be an object of strings`);
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== "string") throw new ProjectError(`${path}: cronsumer.devVars.${name} must be a string, got ${JSON.stringify(value)}`);
  }
  return vars as Record<string, string>;
}


/**
 * The project's own `API_TOKEN` from `.dev.vars`, if it sets one (`cronsumer
 * init` writes one there), so the API and dashboard keep one token across
 * restarts. Read the way dotenv reads a plain line; quotes are removed.
 */
export async function readProjectApiToken(projectDir: string): Promise<string | undefined> {
  const text = await readFile(join(projectDir, ".dev.vars"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  const match = text === undefined ? null : /^\s*API_TOKEN\s*=\s*(.*?)\s*$/m.exec(text);
  const value = match?.[1]?.replace(/^(["'])(.*)\1$/, "$2");
  return value ? value : undefined;
}
