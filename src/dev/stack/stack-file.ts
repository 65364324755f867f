/**
 * `<dir>/stack.json`: where a running stack is and the tokens to use, for
 * the tools that come after it (`npm run demo`, the drill). Mode 0600: it
 * holds the API and bridge tokens.
 */
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StoreKind } from "./store.js";

export interface StackFile {
  apiUrl: string;
  dashboardUrl: string;
  /** The Worker's API_TOKEN. */
  token: string;
  bridgeUrl: string;
  bridgeToken: string;
  redisUrl?: string;
  store: StoreKind;
  /** The process that started the stack. */
  pid: number;
  pids: { wrangler: number; store: number[] };
  ports: { worker: number; bridge: number; inspector: number };
}

export const stackFilePath = (dir: string): string => join(dir, "stack.json");

export async function writeStackFile(dir: string, state: StackFile): Promise<() => Promise<void>> {
  const path = stackFilePath(dir);
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // `mode` applies only when the file is created
  return () => rm(path, { force: true });
}

/** The running stack's state, or undefined when no stack.json is there. */
export async function readStackFile(dir: string): Promise<StackFile | undefined> {
  const text = await readFile(stackFilePath(dir), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as StackFile);
}
