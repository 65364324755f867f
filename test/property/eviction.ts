/**
 * An evicted invocation runs nothing more. In merged mode one fault can stop
 * a whole invocation (invocation.ts) while its other runs still hold replies
 * that came back before it: in Node they would go on and call handlers after
 * the eviction, beside the next invocation, which a Worker never does. Each
 * invocation runs in its own async context, and a handler called in an
 * evicted one never starts (it waits forever, as the isolate is gone). A
 * handler already running when its invocation is evicted ends then, for the
 * history (a slow one's timer would otherwise go on in Node, beside the next
 * invocation's attempt of the same message, and count as two of one key at
 * once, which a Worker never has: its isolate is gone).
 */
import { AsyncLocalStorage } from "node:async_hooks";

interface State {
  evicted: boolean;
  /** What ends when the invocation is evicted: the handler calls running in it. */
  ending: Set<() => void>;
}

const invocation = new AsyncLocalStorage<State>();

/** Runs `body` as one invocation; `evict` marks it gone, and ends what is running in it. */
export function asInvocation<T>(body: () => T): { result: T; evict(): void } {
  const state: State = { evicted: false, ending: new Set() };
  const evict = () => {
    state.evicted = true;
    for (const end of state.ending) end();
    state.ending.clear();
  };
  return { result: invocation.run(state, body), evict };
}

/** `end` runs if the current invocation is evicted before the returned function is called (which forgets it). */
export function endOnEviction(end: () => void): () => void {
  const state = invocation.getStore();
  if (!state) return () => {};
  state.ending.add(end);
  return () => state.ending.delete(end);
}

/** Never settles inside an evicted invocation; at once anywhere else. */
export async function unlessEvicted(): Promise<void> {
  if (invocation.getStore()?.evicted) await new Promise<never>(() => {});
}
