/**
 * The work every contender gets: a backlog written over TCP before the clock
 * starts (setup is never measured or counted), and the handlers.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Stack, Tcp } from "./stack.js";

export type Fields = Record<string, string>;
/** What a handler does with one message; contenders wrap it in their own API. */
export type Handler = (fields: Fields) => Promise<void>;

export interface HandlerSpec {
  name: string;
  /** Simulated I/O per message; 0 is a no-op. */
  ioMs: number;
}

export const handlerFor = ({ ioMs }: HandlerSpec): Handler => (ioMs > 0 ? () => sleep(ioMs) : async () => {});

export interface Job {
  stream: string;
  group: string;
  /** Messages in the backlog. */
  total: number;
  handle: Handler;
  /** `performance.now()` after which a contender stops taking new work. */
  deadline: number;
}

/** A fresh stream name under `bench:`; tracked for deletion. */
export function freshStream(stack: Stack, label: string): string {
  const stream = `bench:${label}:${randomUUID().slice(0, 8)}`;
  stack.track(stream);
  return stream;
}

/** The payments-style payload of message `i`; `wrap` reshapes it for peers with their own envelope. */
export const payload = (i: number): Fields => ({ orderID: `order-${i}`, amount: String(10 + (i % 90)) });

/** Writes `count` entries and, if `group` is given, creates it at 0 first so it sees them all. */
export async function backlog(tcp: Tcp, stream: string, count: number, group?: string, wrap: (f: Fields) => Fields = (f) => f): Promise<void> {
  if (group) await tcp.xGroupCreate(stream, group, "0", { MKSTREAM: true });
  const chunk = 1_000;
  for (let start = 0; start < count; start += chunk) {
    const writes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) writes.push(tcp.xAdd(stream, "*", wrap(payload(i))));
    await Promise.all(writes);
  }
}

export async function pendingCount(tcp: Tcp, stream: string, group: string): Promise<number> {
  const reply = (await tcp.sendCommand(["XPENDING", stream, group])) as [number, ...unknown[]];
  return Number(reply[0]);
}

/** Consumers the group holds now: what a fresh-name-per-read peer leaves behind. */
export async function consumerCount(tcp: Tcp, stream: string, group: string): Promise<number> {
  const groups = (await tcp.sendCommand(["XINFO", "GROUPS", stream])) as unknown[][];
  for (const g of groups) {
    const at = (k: string) => g[g.indexOf(k) + 1];
    if (at("name") === group) return Number(at("consumers"));
  }
  return 0;
}
