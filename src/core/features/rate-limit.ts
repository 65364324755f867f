/**
 * `rateLimit: { limit, periodMs }`: at most `limit` messages handed to the
 * function per window of `periodMs`, across every run at once (cron ticks,
 * manual runs, overlapping runs). Tokens are counted in Redis, in a fixed
 * window keyed by the window's number: `INCRBY <key> n` reserves, and its
 * answer says how many of the n were granted (`limit − (count − n)`, clamped
 * to [0, n]). INCRBY is atomic, so concurrent runs never get more than
 * `limit` per window between them.
 *
 * A run reserves **before** it reads: the reservation rides one request ahead
 * of the fetch it pays for (in the first request, then beside each fetch for
 * the next one), and a fetch never asks for more messages than the run holds
 * tokens for. Messages beyond the grant are therefore never read, and no
 * delivery is charged for them. When the window is spent the run waits for
 * the next one (within its `maxRunMs`). Tokens a run holds at its end are
 * given back (`DECRBY`) in its last request while their window lasts.
 *
 * A handler's slow-down (`ctx.slowDown(ms)`, `RetryError … slowFunction`) is
 * kept in `slowKey` until it ends; with a rate limit, every reservation also
 * reads it (`GET`), so every run of the function holds off until then.
 *
 * Cost per batch: 3 more commands (INCRBY, PEXPIRE, GET) in a request the
 * run already sends, plus one request per run (the first read waits for the
 * first grant) and one per spent window. Windows are fixed, so up to 2 ×
 * `limit` can pass in one `periodMs` that straddles two windows; over many
 * windows the rate holds.
 */
import { op } from "../redis/ops.js";
import type { Op } from "../redis/ops.js";
import { int } from "../redis/parse-replies.js";
import type { RateLimit } from "../define/options.js";

export type { RateLimit } from "../define/options.js";

/** The slow-down of one function: a string holding the unix ms it ends at, expiring then. */
export const slowKeyOf = (stream: string, group: string): string =>
  stream.includes("{") ? `${stream}:cronsumer-slow:${group}` : `{${stream}}:cronsumer-slow:${group}`;

const windowKey = (stream: string, group: string, window: number): string =>
  stream.includes("{") ? `${stream}:cronsumer-rate:${group}:${window}` : `{${stream}}:cronsumer-rate:${group}:${window}`;

/** `SET <slow key> <until> PX ms`: written in a commit when a handler asked the function to slow down. */
export const slowDownOp = (stream: string, group: string, now: number, ms: number) =>
  op(["SET", slowKeyOf(stream, group), String(now + ms), "PX", Math.max(1, Math.ceil(ms))], (r) => r);

/** Tokens one run holds, and what it learnt from its last reservation. */
export class RateTokens {
  #tokens = 0;
  #window = -1;
  /** The last reservation was granted less than it asked: this window is spent. */
  #spent = false;
  #slowUntil = 0;
  /** Reserved in this window but not granted: the count went up by it all the same. */
  #ungranted = 0;

  constructor(
    readonly stream: string,
    readonly group: string,
    readonly rate: RateLimit,
  ) {}

  get tokens(): number {
    return this.#tokens;
  }

  /** Up to `wanted` of the held tokens, taken. */
  take(wanted: number, now: number): number {
    // Tokens of a window that has ended are void: spending them now would hand over more than `limit` in this one.
    if (Math.floor(now / this.rate.periodMs) !== this.#window) this.#tokens = 0;
    const n = this.slowedAt(now) ? 0 : Math.min(wanted, this.#tokens);
    this.#tokens -= n;
    return n;
  }

  /** A handler in this run asked to slow down. */
  slowDown(until: number): void {
    this.#slowUntil = Math.max(this.#slowUntil, until);
  }

  slowedAt(now: number): boolean {
    return this.#slowUntil > now;
  }

  /** `INCRBY`, `PEXPIRE` and `GET <slow key>`: send them, then give their answers to `absorb`. */
  reserveOps(n: number, now: number): Op<unknown>[] {
    const window = Math.floor(now / this.rate.periodMs);
    const key = windowKey(this.stream, this.group, window);
    return [
      op(["INCRBY", key, n], (r) => ({ window, n, count: int("INCRBY", r) })),
      op(["PEXPIRE", key, 2 * this.rate.periodMs], (r) => r),
      op(["GET", slowKeyOf(this.stream, this.group)], (r) => (r === null ? 0 : Number(r))),
    ];
  }

  absorb(values: readonly unknown[]): void {
    const { window, n, count } = values[0] as { window: number; n: number; count: number };
    const granted = Math.max(0, Math.min(n, this.rate.limit - (count - n)));
    const slowUntil = values[2] as number;
    if (Number.isFinite(slowUntil)) this.#slowUntil = Math.max(this.#slowUntil, slowUntil);
    // Tokens of an older window are not carried into a new one.
    if (window !== this.#window) {
      this.#tokens = 0;
      this.#ungranted = 0;
    }
    this.#window = window;
    this.#ungranted += n - granted;
    this.#tokens += granted;
    this.#spent = granted < n;
  }

  /** Tokens taken for a fetch that found fewer entries: held again, to use or give back. */
  giveBack(n: number): void {
    this.#tokens += n;
  }

  /** How long to wait before a reservation can be granted anything. */
  waitMs(now: number): number {
    const slow = Math.max(0, this.#slowUntil - now);
    const nextWindow = this.#spent ? (this.#window + 1) * this.rate.periodMs - now : 0;
    return Math.max(slow, nextWindow, 0);
  }

  /**
   * Gives back, while their window lasts, the tokens left at the end of a
   * run and what its reservations counted without being granted: the
   * window's count then says what was really handed over.
   */
  refundOps(now: number): Op<unknown>[] {
    const back = this.#tokens + this.#ungranted;
    if (back === 0 || Math.floor(now / this.rate.periodMs) !== this.#window) return [];
    const ops = [op(["DECRBY", windowKey(this.stream, this.group, this.#window), back], (r) => r)];
    this.#tokens = 0;
    this.#ungranted = 0;
    return ops;
  }
}
