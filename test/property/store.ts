/**
 * The system under test: a store (the suite's real Redis, or an embedded
 * engine of this file's own) behind the real bridge, a clock the runs and
 * the engine share, and a bridge of its own for each run, so a fault plan
 * counts that run's requests alone.
 *
 * The clock moves on when a case says so. The engine reads the same clock,
 * so its idle times and expiries move with it. Redis measures idle times
 * itself, so on Redis moving the clock also ages what Redis timed: every
 * pending entry gets `XCLAIM … IDLE <idle + ms> JUSTID` (owner and delivery
 * count kept), every key of the case with a TTL loses `ms` of it, and every
 * delayed message comes `ms` nearer its due time: due times are counted on
 * Redis's own clock (TIME), which the case's clock is ahead of by `offset`.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import type { Transport } from "../../src/core/redis/transport.js";
import { upstashTransport } from "../../src/core/redis/upstash-transport.js";
import type { Backend } from "../../src/dev/bridge/backend.js";
import type { FaultContext } from "../../src/dev/bridge/faults.js";
import { createRedisBackend } from "../../src/dev/bridge/redis-backend.js";
import { startBridge } from "../../src/dev/bridge/server.js";
import { createEngineBackend } from "../../src/dev/engine/index.js";
import { killingTransport, type Gate, type RunFaults } from "./faults.js";
import type { Fault } from "./generators.js";

/** Turns of the event loop a sleeper waits, at most, for the requests in flight to come back. */
const SETTLE_TURNS = 2_000;
/** The longest real time a sleeper waits for the other runs' steps. */
const SETTLE_REAL_MS = 2_000;

export class Clock {
  offset = 0;
  /** Requests sent and not yet answered, by every run on this clock. */
  inFlight = 0;
  /** Handler calls running, by every run on this clock (history.ts counts them). */
  handling = 0;
  readonly now = (): number => Date.now() + this.offset;

  /**
   * A virtual sleep of `ms`. Time moves on only once the other runs have had
   * their answers and taken their next step, as they would in the wall-clock
   * time the sleeper waits; and to the sleeper's wake, not by `ms` more, so
   * sessions sleeping side by side do not add their sleeps up. (Moving the
   * clock at once let one session's poll age another's run between its lease
   * and its first fetch, every tick, past its `maxRunMs`: an ordered function
   * beside a polling one never recovered. A stall inside a run is the `late`
   * fault's to make, not a sleeper's.) A handler running is a step not yet
   * taken: a slow one's real 40 ms let a sleeper jump the clock by a second
   * under an ordered run, which then found its `maxRunMs` spent after one
   * message, every tick, and a case of a dozen messages never came to rest
   * within the quiet rounds. Bounded, so a request a gate holds cannot stall
   * the sleeper for good.
   */
  async sleep(ms: number): Promise<void> {
    const until = this.now() + ms;
    const givesUpAt = performance.now() + SETTLE_REAL_MS;
    for (let turn = 0, idle = 0; idle < 2 && (turn < SETTLE_TURNS || this.handling > 0) && performance.now() < givesUpAt; turn++) {
      // A handler takes real time (a slow one sleeps): waited for by the millisecond, not by event-loop turns.
      await new Promise((resolve) => (this.handling > 0 ? setTimeout(resolve, 1) : setImmediate(resolve)));
      idle = this.inFlight === 0 && this.handling === 0 ? idle + 1 : 0;
    }
    const now = this.now();
    if (now < until) this.offset += until - now;
  }

  /** `inner`, counted in `inFlight`. */
  counted(inner: Transport): Transport {
    const wrap = (kind: "pipeline" | "transaction"): Transport["pipeline"] => async (commands) => {
      this.inFlight += 1;
      try {
        return await inner[kind](commands);
      } finally {
        this.inFlight -= 1;
      }
    };
    return { pipeline: wrap("pipeline"), transaction: wrap("transaction") };
  }
}

export interface Store {
  kind: "redis" | "engine";
  clock: Clock;
  /** One raw command, straight to the store: how the checker sees what is really there. */
  command(argv: (string | number)[]): Promise<unknown>;
  /** A transport without faults, through the bridge. */
  clean: Transport;
  /** A transport for one run with its faults, through a bridge of its own; `close` when the run is over. */
  faulty(faults: readonly Fault[], options?: { gate?: Gate; delay?: () => Promise<void> }): Promise<RunFaults>;
  /** A time on the case's clock, as the store's own clock reads it (Redis's TIME lags the case's by its offset). */
  storeTime(t: number): number;
  /** Moves the clock on by `ms` for the runs and for what the store timed; `streams` are the case's [stream, group] pairs. */
  advance(ms: number, streams: readonly [string, string][], pattern: string): Promise<void>;
  /** Every key matching `pattern` (SCAN). */
  keys(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}

const client = (url: string, token: string): Transport =>
  upstashTransport(new Redis({ url, token, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false }));

export async function openStore(kind: "redis" | "engine", redisUrl?: string): Promise<Store> {
  const clock = new Clock();
  const backend: Backend = kind === "engine" ? await createEngineBackend({ now: clock.now }) : await createRedisBackend(redisUrl!);
  const token = randomUUID();
  const bridge = await startBridge({ backend, token });
  async function command(argv: (string | number)[]): Promise<unknown> {
    const outcome = await backend.command(argv.map(String));
    if ("error" in outcome) throw new Error(`${argv[0]}: ${outcome.error}`);
    return outcome.result;
  }
  async function keys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = (await command(["SCAN", cursor, "MATCH", pattern, "COUNT", 1000])) as [string, string[]];
      found.push(...batch);
      cursor = next;
    } while (cursor !== "0");
    return [...new Set(found)];
  }
  return {
    kind,
    clock,
    command,
    keys,
    clean: client(bridge.url, token),
    async faulty(faults, options = {}) {
      let index = 0;
      const fired: string[] = [];
      const dropAfter = new WeakSet<FaultContext>();
      // One bridge per run: its hooks see this run's requests alone, in order.
      const own = await startBridge({
        backend,
        token,
        faults: {
          before(ctx) {
            const f = faults.find((x) => x.at === index++ && (x.kind === "dropBefore" || x.kind === "dropAfter" || x.kind === "status503"));
            if (f) fired.push(f.kind);
            if (f?.kind === "dropBefore") return "drop";
            if (f?.kind === "status503") return { status: 503 };
            if (f?.kind === "dropAfter") dropAfter.add(ctx);
            return undefined;
          },
          after: (ctx) => (dropAfter.has(ctx) ? "drop" : undefined),
        },
      });
      return killingTransport(clock.counted(client(own.url, token)), faults, { ...options, fired, close: () => own.close() });
    },
    storeTime: (t) => (kind === "engine" ? t : t - clock.offset),
    async advance(ms, streams, pattern) {
      clock.offset += ms;
      if (kind === "engine") return;
      for (const [stream, group] of streams) {
        let pel: [string, string, number, number][];
        try {
          pel = (await command(["XPENDING", stream, group, "-", "+", 10_000])) as typeof pel;
        } catch {
          continue; // The group does not exist yet.
        }
        for (const [id, consumer, idle] of pel) await command(["XCLAIM", stream, group, consumer, 0, id, "IDLE", idle + ms, "JUSTID"]);
      }
      for (const key of await keys(pattern)) {
        if (key.endsWith(":cronsumer-delayed")) {
          const scored = (await command(["ZRANGE", key, 0, -1, "WITHSCORES"])) as string[];
          for (let i = 0; i + 1 < scored.length; i += 2) await command(["ZADD", key, "XX", Number(scored[i + 1]) - ms, scored[i]!]);
        }
        const ttl = (await command(["PTTL", key])) as number;
        if (ttl < 0) continue;
        if (ttl <= ms) await command(["DEL", key]);
        else await command(["PEXPIRE", key, ttl - ms]);
      }
    },
    async close() {
      await bridge.close();
      await backend.close();
    },
  };
}
