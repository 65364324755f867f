/**
 * The append-only log: one JSON line per acknowledged write, `{"t", "c"}`,
 * the clock value the commands ran with and the commands themselves (several
 * for a transaction, which must replay as a unit). Lines are written with
 * writeSync before the reply goes out, so a killed process loses nothing it
 * acknowledged; fsync decides whether an OS crash can.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

export interface LogRecord {
  /** Engine clock (unix ms) the commands ran with. */
  t: number;
  c: string[][];
}

/**
 * When to fsync: after every write ("always"), once a second ("everysec",
 * Redis's appendfsync default), or never ("no": the OS decides).
 */
export type FsyncPolicy = "always" | "everysec" | "no";

export class CorruptLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorruptLogError";
  }
}

/**
 * Reads the records of `path`. A last line cut short by a crash mid-write is
 * cut off the file (it was never acknowledged); damage anywhere else is an
 * error, because skipping it would silently lose acknowledged writes.
 */
export function readLog(path: string): LogRecord[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  // JSON escapes newlines and UTF-8 never uses 0x0a inside a character, so bytes split safely.
  const records: LogRecord[] = [];
  let offset = 0;
  for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, offset)) {
    try {
      records.push(JSON.parse(data.toString("utf8", offset, end)) as LogRecord);
    } catch {
      throw new CorruptLogError(`${path}: unreadable record at byte ${offset}`);
    }
    offset = end + 1;
  }
  if (offset < data.length) {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, offset);
    } finally {
      closeSync(fd);
    }
  }
  return records;
}

export class LogWriter {
  private readonly fd: number;
  private unsynced = false;
  private readonly timer: NodeJS.Timeout | undefined;
  bytes: number;

  constructor(
    path: string,
    private readonly fsync: FsyncPolicy,
  ) {
    this.fd = openSync(path, "a");
    this.bytes = fstatSync(this.fd).size;
    if (fsync === "everysec") {
      this.timer = setInterval(() => this.sync(), 1000);
      // The flush timer alone must not keep a process alive.
      this.timer.unref();
    }
  }

  append(records: readonly LogRecord[]): void {
    const data = records.map((record) => `${JSON.stringify(record)}\n`).join("");
    const buffer = Buffer.from(data);
    let written = 0;
    while (written < buffer.length) written += writeSync(this.fd, buffer, written);
    this.bytes += buffer.length;
    this.unsynced = true;
    if (this.fsync === "always") this.sync();
  }

  sync(): void {
    if (!this.unsynced) return;
    this.unsynced = false;
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sync();
    closeSync(this.fd);
  }
}
