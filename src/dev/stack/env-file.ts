/**
 * The Worker's bindings, for `wrangler dev --env-file`, in a file only this
 * user can read: a fresh directory of mode 0700 under the temp dir, the file
 * 0600. Passed as `--var NAME:VALUE`, the tokens showed in every local user's
 * `ps`; a file in the repository could end up in git.
 *
 * wrangler reads env files with dotenv and then expands `$NAME` in them
 * (dotenv-expand), so every `$` is written `\$`, which it turns back into `$`,
 * and each value is quoted with a quote it does not hold.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EnvFile {
  path: string;
  /** Deletes the file and its directory. */
  remove(): Promise<void>;
  /** The same, for a process `exit` handler, where nothing async runs. */
  removeSync(): void;
}

export class EnvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvFileError";
  }
}

export async function writeEnvFile(bindings: Readonly<Record<string, string>>): Promise<EnvFile> {
  const text = formatEnvFile(bindings);
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-worker-"));
  const path = join(dir, "bindings.env");
  await writeFile(path, text, { mode: 0o600, flag: "wx" });
  return {
    path,
    remove: () => rm(dir, { recursive: true, force: true }),
    removeSync: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function formatEnvFile(bindings: Readonly<Record<string, string>>): string {
  return Object.entries(bindings)
    .map(([name, value]) => `${checkName(name)}=${quote(name, value.replaceAll("$", "\\$"))}\n`)
    .join("");
}

function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new EnvFileError(`Binding name ${JSON.stringify(name)} is not a valid variable name`);
  return name;
}

/** Single quotes and backticks keep everything between them as is, newlines included; a carriage return would not survive. */
function quote(name: string, value: string): string {
  if (value.includes("\r")) throw new EnvFileError(`Binding ${name} holds a carriage return, which wrangler's env file reader would change`);
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes("`")) return `\`${value}\``;
  throw new EnvFileError(`Binding ${name} holds both ' and \`, which wrangler's env file reader cannot take together`);
}
