/**
 * One engine per data directory: two processes appending to the same log
 * would interleave records and corrupt both states. A LOCK file holds the
 * owner's pid; a lock whose process is gone (kill -9) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Directories this process holds, so a second open in-process is refused too. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirLockedError";
  }
}

/** Takes the directory's lock; returns the function that releases it. */
export function acquireLock(dir: string): () => void {
  const path = join(dir, "LOCK");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(dir);
      return function releaseLock() {
        held.delete(dir);
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(path, "utf8").trim());
    } catch {
      // Removed meanwhile: try again.
    }
    if (isAlive(owner) && (owner !== process.pid || held.has(dir))) {
      throw new DataDirLockedError(
        `${dir} is in use by process ${owner}; stop it, or delete ${path} if that process is not a cronsumer engine`,
      );
    }
    try {
      unlinkSync(path);
    } catch {
      // Someone else took it over first; the next attempt will tell.
    }
  }
  throw new DataDirLockedError(`could not take the lock ${path}`);
}
