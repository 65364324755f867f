/**
 * The data directory: `snapshot.jsonl` (state as of log generation G) plus
 * `log.G.jsonl` (writes since). Opening loads the snapshot and replays the
 * log. Compaction writes the next snapshot to a temp file, fsyncs it, renames
 * it over the old one (atomic), then starts log G+1 and deletes log G: a
 * crash at any point leaves either the old pair or the new one, never a
 * snapshot with a log that was already folded into it.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Engine } from "../engine.js";
import { acquireLock } from "./lock.js";
import { LogWriter, readLog, type FsyncPolicy, type LogRecord } from "./log.js";
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_VERSION } from "./snapshot.js";

const SNAPSHOT = "snapshot.jsonl";
const LOG_NAME = /^log\.(\d+)\.jsonl$/;

export interface StoreOptions {
  dataDir: string;
  fsync: FsyncPolicy;
  /** Compact once the log passes this many bytes. */
  compactAtBytes: number;
}

function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be fsynced on every platform; the rename is still atomic.
  }
}

export class Store {
  private generation = 0;
  private log!: LogWriter;
  private readonly release: () => void;
  /** The latest clock value the data has seen; the engine clock resumes from it. */
  clock = 0;

  private constructor(
    private readonly engine: Engine,
    private readonly options: StoreOptions,
  ) {
    mkdirSync(options.dataDir, { recursive: true });
    this.release = acquireLock(resolve(options.dataDir));
  }

  /** Loads the directory into `engine` and opens the log for appending. */
  static open(engine: Engine, options: StoreOptions): Store {
    const store = new Store(engine, options);
    try {
      store.load();
    } catch (error) {
      store.release();
      throw error;
    }
    return store;
  }

  private path(name: string): string {
    return join(this.options.dataDir, name);
  }

  private logPath(generation: number): string {
    return this.path(`log.${generation}.jsonl`);
  }

  private load(): void {
    let text: string | undefined;
    try {
      text = readFileSync(this.path(SNAPSHOT), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (text !== undefined) {
      const header = decodeSnapshot(text, this.engine.db);
      this.generation = header.generation;
      this.clock = header.clock;
    }
    for (const record of readLog(this.logPath(this.generation))) {
      this.engine.replay(record.c, record.t);
      this.clock = Math.max(this.clock, record.t);
    }
    this.removeLeftovers();
    this.log = new LogWriter(this.logPath(this.generation), this.options.fsync);
    if (this.log.bytes >= this.options.compactAtBytes) this.compact();
  }

  /** Logs of other generations and half-written snapshots are what a crash mid-compaction leaves. */
  private removeLeftovers(): void {
    for (const name of readdirSync(this.options.dataDir)) {
      const match = LOG_NAME.exec(name);
      const staleLog = match && Number(match[1]) !== this.generation;
      if (staleLog || name === `${SNAPSHOT}.tmp`) unlinkSync(this.path(name));
    }
  }

  /** Appends acknowledged writes; throws if the disk refuses them. */
  append(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    this.log.append(records);
    for (const record of records) this.clock = Math.max(this.clock, record.t);
    if (this.log.bytes >= this.options.compactAtBytes) this.compact();
  }

  get logBytes(): number {
    return this.log.bytes;
  }

  /** Folds the log into a new snapshot and starts an empty log. */
  compact(): void {
    const next = this.generation + 1;
    const temp = this.path(`${SNAPSHOT}.tmp`);
    const fd = openSync(temp, "w");
    try {
      this.engine.db.now = this.clock;
      for (const line of encodeSnapshot(this.engine.db, { version: SNAPSHOT_VERSION, generation: next, clock: this.clock })) {
        writeSync(fd, line);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path(SNAPSHOT));
    fsyncPath(this.options.dataDir);
    const previous = this.generation;
    this.log.close();
    this.generation = next;
    this.log = new LogWriter(this.logPath(next), this.options.fsync);
    unlinkSync(this.logPath(previous));
  }

  /**
   * Compacts what the log holds, so the next start loads one snapshot and
   * replays nothing; `compact: false` after a failed write, when the disk is
   * not to be trusted with more.
   */
  close({ compact = true } = {}): void {
    try {
      if (compact && this.log.bytes > 0) this.compact();
      this.log.close();
    } finally {
      this.release();
    }
  }
}
