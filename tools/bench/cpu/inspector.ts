/**
 * A minimal Chrome DevTools Protocol client for the CPU profiler of the
 * Worker under `wrangler dev --inspector-port N`: list the targets at
 * `/json`, open the Worker's WebSocket, then `Profiler.enable`,
 * `Profiler.setSamplingInterval`, `Profiler.start` and `Profiler.stop`
 * (https://chromedevtools.github.io/devtools-protocol/ , domain Profiler).
 * Uses Node's WebSocket when it has one (Node 22, or 20 with
 * `--experimental-websocket`), else `ws`, which wrangler brings.
 */
interface Socket {
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}
type SocketClass = new (url: string) => Socket;

async function socketClass(): Promise<SocketClass> {
  const native = (globalThis as { WebSocket?: SocketClass }).WebSocket;
  if (native) return native;
  // Not a declared dependency: a transitive one of wrangler, so loaded by a computed name.
  const ws = "ws";
  return ((await import(ws)) as { default: SocketClass }).default;
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Inspector {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export async function connectInspector(port: number, host = "127.0.0.1"): Promise<Inspector> {
  const targets = (await (await fetch(`http://${host}:${port}/json`)).json()) as { webSocketDebuggerUrl?: string; title?: string }[];
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspectable target at http://${host}:${port}/json: ${JSON.stringify(targets).slice(0, 300)}`);
  const socket = new (await socketClass())(target.webSocketDebuggerUrl!);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) => reject(new Error(`inspector WebSocket failed: ${String((event as { message?: string }).message ?? event)}`));
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) w?.reject(new Error(`inspector: ${message.error.message}`));
    else w?.resolve(message.result);
  };
  return {
    send<T>(method: string, params: Record<string, unknown> = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise<T>((resolve, reject) => waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    },
    close: () => socket.close(),
  };
}

/** Samples' time by kind, in µs. `js` is every frame but the three pseudo-frames. */
export interface CpuSplit {
  js: number;
  gc: number;
  program: number;
  /** Samples' deltas summed as they come, JS + GC + program: inflated by every gap (see splitProfile). */
  rawUs: number;
  /** Non-idle samples, and the interval each is counted for. */
  samples: number;
  intervalUs: number;
  /** Self time per function (`name url:line`), JS and GC only, for the top-N list. */
  byFunction: Map<string, number>;
}

/**
 * Counts each sample on its top node, at the profile's sampling interval.
 * Summing the samples' time deltas instead, as DevTools does, counted tens
 * of milliseconds for runs of one: in workerd the sampler sees the isolate
 * only while it runs, so the gap until it next runs (waiting on Redis, or
 * preempted on a loaded machine) lands on the last sample before it
 * (deltas' median about 0.2 ms, their maximum 10–45 ms). So each non-idle
 * sample counts for the median delta that follows a non-idle sample: the
 * interval at which a busy isolate is actually sampled, which is wider than
 * the 50 µs asked for.
 */
export function splitProfile(p: Profile): CpuSplit {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const counts = { js: 0, gc: 0, program: 0 };
  const byFunction = new Map<string, number>();
  const busyDeltas: number[] = [];
  let rawUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === "(idle)") continue;
    const dt = deltas[i + 1] ?? 0;
    rawUs += dt;
    if (dt > 0) busyDeltas.push(dt);
    if (name === "(program)" || name === "(root)") counts.program++;
    else {
      if (name === "(garbage collector)") counts.gc++;
      else counts.js++;
      const key = `${name || "(anonymous)"} ${node.callFrame.url.split("/").slice(-2).join("/")}:${node.callFrame.lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + 1);
    }
  }
  busyDeltas.sort((a, b) => a - b);
  const intervalUs = busyDeltas.length ? busyDeltas[Math.floor(busyDeltas.length / 2)]! : 0;
  for (const [k, n] of byFunction) byFunction.set(k, n * intervalUs);
  const count = counts.js + counts.gc + counts.program;
  return { js: counts.js * intervalUs, gc: counts.gc * intervalUs, program: counts.program * intervalUs, rawUs, samples: count, intervalUs, byFunction };
}
