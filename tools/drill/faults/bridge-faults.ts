/**
 * The bridge's faults during a drill: the seeded `randomFaults`, behind a
 * switch (the drain phase turns them off) and a counter of what was
 * injected, by kind and by route. While off, the random sequence is not
 * consumed. Every answer, dropped or not, is shown to `onAnswer` (the
 * drill's delivery log).
 */
import type { Fault, FaultContext, Faults } from "../../bridge/faults.js";
import { randomFaults } from "../../bridge/faults.js";

export interface FaultCounts {
  /** 503 answered before Redis saw the request. */
  status503: number;
  /** Connection dropped before Redis saw the request. */
  dropBefore: number;
  /** Connection dropped after Redis ran the request: the client never learns the outcome. */
  dropAfter: number;
  /** The same, by route and kind: `/multi-exec drop-after` … */
  byRoute: Record<string, number>;
  /** Requests seen while faults were on. */
  requests: number;
}

export interface SwitchableFaults {
  faults: Faults;
  enabled: boolean;
  readonly counts: FaultCounts;
}

export interface SwitchableFaultOptions {
  rate: number;
  seed: number;
  onAnswer?: (ctx: FaultContext, answer: unknown, dropped: boolean) => void;
  /** Faults to switch in place of `randomFaults({ rate, seed })`. */
  inner?: Faults;
}

export function switchableFaults({ rate, seed, onAnswer, inner = randomFaults({ rate, seed }) }: SwitchableFaultOptions): SwitchableFaults {
  const counts: FaultCounts = { status503: 0, dropBefore: 0, dropAfter: 0, byRoute: {}, requests: 0 };
  const count = (ctx: FaultContext, kind: "status503" | "dropBefore" | "dropAfter", label: string) => {
    counts[kind] += 1;
    const route = `${ctx.path} ${label}`;
    counts.byRoute[route] = (counts.byRoute[route] ?? 0) + 1;
  };
  const state: SwitchableFaults = {
    enabled: false,
    counts,
    faults: {
      before(ctx): Fault | undefined {
        if (!state.enabled) return undefined;
        counts.requests += 1;
        const fault = inner.before?.(ctx);
        if (fault === "drop") count(ctx, "dropBefore", "drop-before");
        else if (fault !== undefined) count(ctx, "status503", String(fault.status));
        return fault;
      },
      after(ctx, answer): Fault | undefined {
        // Decided in before(); honoured even if the switch went off in between.
        const fault = inner.after?.(ctx, answer);
        if (fault === "drop") count(ctx, "dropAfter", "drop-after");
        onAnswer?.(ctx, answer, fault === "drop");
        return fault;
      },
    },
  };
  return state;
}
