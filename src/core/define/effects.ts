/**
 * A handler's Redis writes, buffered and committed in the same MULTI/EXEC as
 * the XACK of its message. A crash before the commit leaves neither; a crash
 * after leaves both. So Redis-side effects happen exactly once per message,
 * without a subrequest each. Only a handler that finished in time gets its
 * effects committed: after a timeout the buffer is sealed and discarded.
 */
import { ConfigError } from "../redis/errors.js";
import type { Fields } from "../redis/parse-replies.js";
import type { Arg, Command } from "../redis/transport.js";

/** Where effects go when some streams are partitioned (partitions/effect-streams.ts). */
export interface EffectStreams {
  /** The stream an effect's XADD onto `stream` writes to: the stream itself, or the partition its fields route to; throws ConfigError when it cannot be routed. */
  stream(stream: string, fields: Fields): string;
  /** Throws ConfigError when `command` names a key of another database than the message commits in. */
  check(command: Command): void;
}

export class Effects {
  readonly #commands: Command[] = [];
  #sealed = false;
  readonly #streams: EffectStreams | undefined;

  /** `streams`: routes an XADD onto a partitioned logical stream to its partition, and refuses keys of another database (effect-streams.ts). */
  constructor(streams?: EffectStreams) {
    this.#streams = streams;
  }

  /** Appends an entry to a stream (XADD … * field value …). */
  xadd(stream: string, fields: Fields): this {
    const flat = Object.entries(fields);
    if (flat.length === 0) throw new ConfigError("effects.xadd: `fields` must not be empty");
    for (const [k, v] of flat) text(`effects.xadd field ${JSON.stringify(k)}`, v);
    const target = key("effects.xadd", stream);
    return this.#push(["XADD", this.#streams ? this.#streams.stream(target, fields) : target, "*", ...flat.flat()]);
  }

  /** SET key value, optionally with an expiry in seconds and NX. */
  set(k: string, value: string, opts: { exSeconds?: number; nx?: boolean } = {}): this {
    const args: Arg[] = [key("effects.set", k), text("effects.set value", value)];
    if (opts.exSeconds !== undefined) args.push("EX", positive("effects.set exSeconds", opts.exSeconds));
    if (opts.nx) args.push("NX");
    return this.#push(["SET", ...args]);
  }

  incrBy(k: string, by = 1): this {
    if (!Number.isSafeInteger(by)) throw new ConfigError(`effects.incrBy: \`by\` must be an integer; got ${by}`);
    return this.#push(["INCRBY", key("effects.incrBy", k), by]);
  }

  hset(k: string, fields: Fields): this {
    const flat = Object.entries(fields);
    if (flat.length === 0) throw new ConfigError("effects.hset: `fields` must not be empty");
    for (const [f, v] of flat) text(`effects.hset field ${JSON.stringify(f)}`, v);
    return this.#push(["HSET", key("effects.hset", k), ...flat.flat()]);
  }

  del(k: string): this {
    return this.#push(["DEL", key("effects.del", k)]);
  }

  expire(k: string, seconds: number): this {
    return this.#push(["EXPIRE", key("effects.expire", k), positive("effects.expire seconds", seconds)]);
  }

  rpush(k: string, ...values: string[]): this {
    if (values.length === 0) throw new ConfigError("effects.rpush: give at least one value");
    return this.#push(["RPUSH", key("effects.rpush", k), ...values.map((v) => text("effects.rpush value", v))]);
  }

  /** The buffered commands, in order. */
  get commands(): readonly Command[] {
    return this.#commands;
  }

  /** After a timeout: later writes from the still-running handler are refused. */
  seal(): void {
    this.#sealed = true;
  }

  #push(command: Command): this {
    if (this.#sealed) throw new ConfigError("effects: this attempt already ended (timed out); its writes are discarded");
    this.#streams?.check(command);
    this.#commands.push(command);
    return this;
  }
}

function key(where: string, k: unknown): string {
  if (typeof k !== "string" || k.length === 0) throw new ConfigError(`${where}: key must be a non-empty string`);
  return k;
}

function text(where: string, v: unknown): string {
  if (typeof v !== "string") throw new ConfigError(`${where} must be a string; got ${typeof v}`);
  return v;
}

function positive(where: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${where} must be a positive integer; got ${n}`);
  return n;
}
