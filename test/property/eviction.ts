/**
 * An evicted invocation runs nothing more. In merged mode one fault can stop
 * a whole invocation (invocation.ts) while its other runs still hold replies
 * that came back before it: in Node they would go on and call handlers after
 * the eviction, beside the next invocation, which a Worker never does. Each
 * invocation runs in its own async context, and a handler called in an
 * evicted one never starts (it waits forever, as the isolate is gone).
 */
import { AsyncLocalStorage } from "node:async_hooks";

const invocation = new AsyncLocalStorage<{ evicted: boolean }>();

/** Runs `body` as one invocation; `evict` marks it gone. */
export function asInvocation<T>(body: () => T): { result: T; evict(): void } {
  const state = { evicted: false };
  return { result: invocation.run(state, body), evict: () => (state.evicted = true) };
}

/** Never settles inside an evicted invocation; at once anywhere else. */
export async function unlessEvicted(): Promise<void> {
  if (invocation.getStore()?.evicted) await new Promise<never>(() => {});
}
