/**
 * What must hold of a case at quiescence, read from Redis (the ledger of
 * committed effects, the dead-letter stream, the PELs, the lease keys) and
 * from the handlers' history, against the model (what was enqueued). Each
 * check returns the violations it found, worded so a failing case says what
 * went wrong without a debugger.
 */
import { parseDeadLetter } from "../../src/core/dead-letters/dead-letter.js";
import { orderedLeaseKey } from "../../src/core/redis/keys.js";
import type { Case, Enqueued } from "./case.js";
import type { Call } from "./history.js";
import { MAX_DELIVERIES, RATE_PERIOD_MS, RETRY_DELAYS_MS } from "./generators.js";

type Entries = [string, string[]][];

const toFields = (flat: string[]): Record<string, string> => {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
};

async function range(c: Case, stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const raw = (await c.store.command(["XRANGE", stream, "-", "+"])) as Entries;
  return raw.map(([id, flat]) => ({ id, fields: toFields(flat) }));
}

const SUCCEEDS = new Set(["ok", "slow", "failOnce", "retry"]);

/** No message lost, none twice, each group once, and the outcome its behaviour asks for. */
async function outcomes(c: Case): Promise<string[]> {
  const out: string[] = [];
  const effects = new Map<string, number>();
  for (const e of await range(c, c.keys.ledger)) effects.set(`${e.fields.g}/${e.fields.n}`, (effects.get(`${e.fields.g}/${e.fields.n}`) ?? 0) + 1);
  const dead = new Map<string, number>();
  for (const e of await range(c, c.keys.deadLetters)) {
    const d = parseDeadLetter({ id: e.id, fields: e.fields });
    if (d === null) out.push(`unreadable dead letter ${e.id}`);
    else dead.set(`${d.group}/${d.fields.n}`, (dead.get(`${d.group}/${d.fields.n}`) ?? 0) + 1);
  }
  const atMostOnce = c.has("noAck") && c.faulted > 0;
  for (const fn of c.fns.map((members) => members[0]!)) {
    for (const m of c.enqueued) {
      const id = `${fn.group}/${m.n}`;
      const done = effects.get(id) ?? 0;
      const dlq = dead.get(id) ?? 0;
      if (done > 1) out.push(`message ${m.n}: its effect was committed ${done} times in group ${fn.group}`);
      if (done + dlq > 1) out.push(`message ${m.n}: group ${fn.group} settled it ${done + dlq} times (${done} effects, ${dlq} dead letters)`);
      if (done + dlq === 0 && !atMostOnce) out.push(`message ${m.n} (${m.behaviour}) was lost in group ${fn.group}: no effect, no dead letter`);
      if (!SUCCEEDS.has(m.behaviour) && done > 0) out.push(`message ${m.n} (${m.behaviour}) committed an effect`);
      // Under faults, deliveries a fault spent may run a message out of attempts; without, the outcome is exact.
      const exact = c.faulted === 0 && !c.has("noAck");
      if (exact && SUCCEEDS.has(m.behaviour) && done !== 1) out.push(`message ${m.n} (${m.behaviour}): ${done} effects and ${dlq} dead letters in group ${fn.group} without any fault; expected 1 effect`);
    }
  }
  return out;
}

const byMessage = (calls: readonly Call[]): Map<string, Call[]> => {
  const map = new Map<string, Call[]>();
  for (const call of calls) map.set(`${call.group}/${call.n}`, [...(map.get(`${call.group}/${call.n}`) ?? []), call]);
  return map;
};

/**
 * `attempt` counts the deliveries that happened: what Redis counted for the
 * entry while the handler held it (plus a parked retry's carried count),
 * rising, within `maxDeliveries`, and 1, 2, 3… when no fault hid one.
 */
function attempts(c: Case): string[] {
  const out: string[] = [];
  for (const [id, calls] of byMessage(c.history.calls)) {
    const seen = calls.map((x) => x.attempt);
    const rising = seen.every((a, i) => a >= 1 && a <= MAX_DELIVERIES && (i === 0 || a > seen[i - 1]!));
    const exact = c.faulted === 0 ? seen.every((a, i) => a === i + 1) : true;
    if (!rising || !exact) out.push(`message ${id}: attempts seen ${JSON.stringify(seen)}${c.faulted === 0 ? " with no fault" : ""}`);
    const counted = calls.map((x) => x.deliveries);
    if (calls.some((x) => x.deliveries !== undefined && x.deliveries !== x.attempt)) out.push(`message ${id}: attempts ${JSON.stringify(seen)}, but Redis counted ${JSON.stringify(counted)} deliveries`);
  }
  return out;
}

/** Stream ids in stream order ("1-10" after "1-9"). */
const compareIds = (a: string, b: string): number => {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
};

/**
 * A call after which its entry will not be handed over again, unless a fault
 * lost the commit. With `delays`, a long retry is acknowledged and parked:
 * it comes back as a new entry, which takes a new place in its key's order.
 */
const settles = (call: Call, parks: boolean): boolean =>
  call.verdict === "ack" || call.verdict === "permanent" || (call.verdict === "fail" && call.attempt === MAX_DELIVERIES) || (parks && call.verdict === "retry");

/**
 * `ordered`, per group and key, in stream order (a delayed message takes its
 * place when it is promoted, so the entry's id is its place): effects are
 * committed in that order; an entry is handed over only once every earlier
 * entry was settled by a call that had ended (a lost commit may replay a run
 * of them, in order); and never two at once.
 */
async function order(c: Case): Promise<string[]> {
  if (!c.has("ordered")) return [];
  const out: string[] = [];
  const committed = new Map<string, string>();
  for (const e of await range(c, c.keys.ledger)) {
    const k = `${e.fields.g}/${e.fields.k}`;
    const last = committed.get(k);
    if (last !== undefined && compareIds(last, e.fields.id!) > 0) out.push(`key ${k}: effect of entry ${e.fields.id} (message ${e.fields.n}) committed after that of entry ${last}`);
    if (last === undefined || compareIds(last, e.fields.id!) < 0) committed.set(k, e.fields.id!);
  }
  const parks = c.has("delays");
  const calls = [...c.history.calls].sort((a, b) => a.seq - b.seq);
  for (const call of calls) {
    for (const earlier of calls) {
      if (earlier.group !== call.group || earlier.stream !== call.stream || (earlier.key ?? "") !== (call.key ?? "") || compareIds(earlier.id, call.id) >= 0) continue;
      const k = `${call.group}/${call.key ?? ""}`;
      if (earlier.seq < call.seq && earlier.end > call.start) out.push(`key ${k}: messages ${earlier.n} and ${call.n} handled at once`);
      const settled = calls.find((x) => x.group === earlier.group && x.id === earlier.id && x.stream === earlier.stream && settles(x, parks));
      if (settled && (settled.seq > call.seq || settled.end > call.start)) out.push(`key ${k}: message ${call.n} (entry ${call.id}) handed over before message ${earlier.n} (entry ${earlier.id}) was settled`);
    }
  }
  return [...new Set(out)];
}

/** `delays`: never handed over before it is due, and a retry never before its delay (when no fault undid the retry). */
function neverEarly(c: Case, byN: Map<number, Enqueued>): string[] {
  const out: string[] = [];
  for (const [id, calls] of byMessage(c.history.calls)) {
    const m = byN.get(calls[0]!.n)!;
    if (m.dueAt !== undefined && calls[0]!.start < m.dueAt) out.push(`message ${id}: handled ${m.dueAt - calls[0]!.start} ms before it was due`);
    if (c.faulted > 0) continue; // A fault can undo the retry's commit: then the visibility timeout decides, which may be sooner.
    const delayMs = RETRY_DELAYS_MS[c.has("delays") ? 1 : 0];
    for (const [i, call] of calls.entries()) {
      const next = calls[i + 1];
      if (call.verdict === "retry" && next && next.start < call.start + delayMs) out.push(`message ${id}: retried ${call.start + delayMs - next.start} ms before its RetryError delay`);
    }
  }
  return out;
}

/** `rateLimit`: at most `limit` handed over per window, per function. */
function rate(c: Case): string[] {
  if (!c.has("rateLimit")) return [];
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const call of c.history.calls) {
    const k = `${call.group}@${call.stream}#${Math.floor(call.start / RATE_PERIOD_MS)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of counts) if (n > c.set.rateLimit) out.push(`window ${k}: ${n} handed over, limit ${c.set.rateLimit}`);
  return out;
}

/** `keyConcurrency`: never more than `max` of one key at once. */
function keyConcurrency(c: Case): string[] {
  if (!c.has("keyConcurrency") || c.history.mostAtOnce <= c.set.keyMax) return [];
  return [`${c.history.mostAtOnce} messages of one key handled at once, max ${c.set.keyMax}`];
}

/** Quiescence: every PEL empty, nothing delayed, no lease left. */
async function leftovers(c: Case): Promise<string[]> {
  const out: string[] = [];
  if (!c.quiescent) out.push("the runs never came to rest after the faults stopped");
  for (const [stream, group] of c.streams) {
    const summary = (await c.store.command(["XPENDING", stream, group]).catch(() => [0])) as [number];
    if (summary[0] !== 0) out.push(`${stream} ${group}: ${summary[0]} entries still pending`);
    if (((await c.store.command(["EXISTS", orderedLeaseKey(stream, group)])) as number) > 0) out.push(`${stream} ${group}: the ordered lease is still held`);
  }
  for (const key of await c.store.keys(`*pbt-${c.keys.id}*cronsumer-key:*`)) out.push(`key lease left: ${key}`);
  for (const key of await c.store.keys(`*pbt-${c.keys.id}*cronsumer-delayed`)) {
    const n = (await c.store.command(["ZCARD", key])) as number;
    if (n > 0) out.push(`${key}: ${n} messages still delayed`);
  }
  return out;
}

export async function violations(c: Case): Promise<string[]> {
  const byN = new Map(c.enqueued.map((m) => [m.n, m]));
  return [...c.unexpected, ...(await outcomes(c)), ...attempts(c), ...(await order(c)), ...neverEarly(c, byN), ...rate(c), ...keyConcurrency(c), ...(await leftovers(c))];
}
