/**
 * One stack per state directory: two stores writing the same data files
 * would corrupt them. The lock is a file holding the owner's pid; a lock
 * whose owner is gone (killed, crashed) is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";

export interface Lock {
  release(): Promise<void>;
}

export class LockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another stack (pid ${pid}) is using ${dirname(path)}; stop it first, or set CRONSUMER_DIR to another directory`);
    this.name = "LockedError";
  }
}

export async function acquireLock(path: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, "wx", 0o600);
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) throw new LockedError(path, owner);
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
