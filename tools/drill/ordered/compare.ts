/**
 * `npm run drill:ordered -- --compare`: the ordering drill twice in one
 * invocation, on the same workload (same seed): first without faults, then
 * under a fault mix (5% 503s and 2% dropped connections by default), neither
 * with kills unless asked. The verdict is the ratio of the two consume times
 * (first enqueue to an empty group), and both ledgers must be exact.
 */
import type { OrderedDrillConfig } from "./ordered-drill.js";
import { runOrderedDrill } from "./ordered-drill.js";

type Drill = Awaited<ReturnType<typeof runOrderedDrill>>;

export interface Comparison {
  ok: boolean;
  /** Faulty consume time over fault-free consume time. */
  ratio: number;
  cleanMs: number;
  faultyMs: number;
  clean: Drill;
  faulty: Drill;
}

export async function compareOrderedDrill(c: OrderedDrillConfig, mix: NonNullable<OrderedDrillConfig["mix"]>, log: (line: string) => void): Promise<Comparison> {
  log("drill:ordered --compare: fault-free run");
  const clean = await runOrderedDrill({ ...c, faultRate: 0, kills: 0, faultsUntil: 1 }, log);
  log(`drill:ordered --compare: fault-free consumed in ${clean.consumeMs} ms; now with 503 ${mix.status503Rate}, drop ${mix.dropRate}, ${c.kills} kills`);
  const faulty = await runOrderedDrill({ ...c, mix, faultsUntil: 1 }, log);
  const ratio = Number((faulty.consumeMs / clean.consumeMs).toFixed(2));
  log(`drill:ordered --compare: faulty consumed in ${faulty.consumeMs} ms: ${ratio}× the fault-free time`);
  return { ok: clean.ok && faulty.ok, ratio, cleanMs: clean.consumeMs, faultyMs: faulty.consumeMs, clean, faulty };
}
