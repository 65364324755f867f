/**
 * Drainers in-process, for Node (tests, the bench): a structural
 * DrainerNamespace (fan-out.ts) whose objects are `createDrainer` instances,
 * one per name, with memory storage and an alarm on a timer. As on Workers,
 * one object has at most one alarm, a new `setAlarm` replaces it, and an
 * alarm never runs beside another of the same object: one set while the
 * handler runs fires after it.
 *
 * What it does not prove: workerd's limits (no subrequest or CPU limit is
 * enforced here; budgets hold by the run's own estimate, as they do there),
 * Durable Object input gates, alarm retries after a throw, and that the
 * object sees the Worker's bindings rather than the caller's env.
 */
import type { Env } from "../env.js";
import type { DrainerClass, DrainerState } from "../functions/drainer.js";
import type { DrainerNamespace } from "../functions/fan-out.js";

export interface LocalDrainers extends DrainerNamespace {
  /** Requests and alarms the objects took: each one an invocation on Workers. */
  readonly invocations: { fetches: number; alarms: number };
  /** Resolves once no object has an alarm set or running. */
  settled(): Promise<void>;
  /** Clears every alarm (for a test's teardown). */
  close(): void;
}

interface LocalObject {
  instance: InstanceType<DrainerClass>;
  timer?: ReturnType<typeof setTimeout>;
  alarmAt?: number;
  running?: Promise<void>;
}

export function localDrainers(Drainer: DrainerClass, env: Env): LocalDrainers {
  const objects = new Map<string, LocalObject>();
  const invocations = { fetches: 0, alarms: 0 };
  let idle: (() => void)[] = [];
  const busy = () => [...objects.values()].some((o) => o.alarmAt !== undefined || o.running);
  const checkIdle = () => {
    if (busy()) return;
    for (const resolve of idle) resolve();
    idle = [];
  };

  const fire = (o: LocalObject) => {
    o.alarmAt = undefined;
    o.timer = undefined;
    invocations.alarms += 1;
    o.running = o.instance
      .alarm()
      .catch((e: unknown) => console.error(`local drainer: alarm failed: ${String(e)}`))
      .finally(() => {
        o.running = undefined;
        if (o.alarmAt !== undefined) schedule(o);
        checkIdle();
      });
  };
  const schedule = (o: LocalObject) => {
    if (o.timer) clearTimeout(o.timer);
    if (o.running || o.alarmAt === undefined) return; // Fires when the running handler ends.
    o.timer = setTimeout(() => fire(o), Math.max(0, o.alarmAt - Date.now()));
  };

  const object = (name: string): LocalObject => {
    let o = objects.get(name);
    if (o) return o;
    const kept = new Map<string, unknown>();
    const state: DrainerState = {
      storage: {
        get: async <T>(key: string) => kept.get(key) as T | undefined,
        put: async (key, value) => void kept.set(key, value),
        delete: async (key) => kept.delete(key),
        setAlarm: async (at) => {
          o!.alarmAt = at;
          schedule(o!);
        },
      },
    };
    o = { instance: new Drainer(state, env) };
    objects.set(name, o);
    return o;
  };

  return {
    invocations,
    idFromName: (name: string) => name,
    get: (id: never) => ({
      fetch: async (input: string, init?: RequestInit) => {
        invocations.fetches += 1;
        return object(id as string).instance.fetch(new Request(input, init));
      },
    }),
    settled: () => (busy() ? new Promise<void>((resolve) => idle.push(resolve)) : Promise.resolve()),
    close: () => {
      for (const o of objects.values()) {
        if (o.timer) clearTimeout(o.timer);
        o.alarmAt = undefined;
      }
      checkIdle();
    },
  };
}
