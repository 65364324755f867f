/** What main.ts hands every scenario. */
import type { Stack } from "./stack.js";
import type { HandlerSpec } from "./workload.js";

export interface Settings {
  /** Backlog for the drain scenario. */
  messages: number;
  /** Backlog per swept configuration. */
  sweepMessages: number;
  /** Backlog for the concurrency-scaling scenario. */
  scalingMessages: number;
  /** Pending entries left by the crashed consumer in the recovery scenario. */
  recoveryMessages: number;
  /** Messages enqueued per batch size in the enqueue scenario. */
  enqueueMessages: number;
  /** Idle runs measured per contender. */
  idleRuns: number;
  delays: number[];
  /** Wall-time cap per contender and configuration. */
  capMs: number;
  /** Wall-time cap per recovery variant: it should finish, so it gets more. */
  recoveryCapMs: number;
  handlers: HandlerSpec[];
  sweep: [batchSize: number, concurrency: number][];
}

export interface Context {
  stack: Stack;
  settings: Settings;
  /** Progress lines (stderr): stdout carries only the tables. */
  log(line: string): void;
  /** The configuration the drain sweep found best, for the scenarios after it. */
  best?: { batchSize: number; concurrency: number };
}
