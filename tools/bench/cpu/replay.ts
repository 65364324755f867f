/**
 * Record and replay of a run's HTTP exchanges, inside the bench Worker, so
 * a run's own CPU (engine and Redis client: building requests, parsing
 * replies, handling, committing) can be measured without the network: a
 * recorded run is replayed many times in one request, every `fetch` answered
 * at once from the recording, in order. A replayed run takes exactly the
 * path it took when recorded, because it gets the same replies.
 * For the bench only: tests always talk to a real Redis.
 */
interface Exchange {
  status: number;
  headers: [string, string][];
  body: string;
}

const realFetch = globalThis.fetch;
let recording: Exchange[] | undefined;
let replaying: { exchanges: readonly Exchange[]; next: number } | undefined;

async function benchFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  if (replaying) {
    const e = replaying.exchanges[replaying.next++];
    if (!e) throw new Error("replay: the run made more requests than were recorded");
    return new Response(e.body, { status: e.status, headers: e.headers });
  }
  const response = await realFetch(input, init);
  if (!recording) return response;
  const body = await response.text();
  const headers = [...response.headers];
  recording.push({ status: response.status, headers, body });
  return new Response(body, { status: response.status, headers });
}

/** Installs the recording fetch as the global one, which the Redis client calls. */
export function installBenchFetch(): void {
  globalThis.fetch = benchFetch as typeof fetch;
}

export async function record<T>(work: () => Promise<T>): Promise<{ result: T; exchanges: Exchange[] }> {
  recording = [];
  try {
    const result = await work();
    return { result, exchanges: recording };
  } finally {
    recording = undefined;
  }
}

export async function replay<T>(exchanges: readonly Exchange[], work: () => Promise<T>): Promise<T> {
  replaying = { exchanges, next: 0 };
  try {
    return await work();
  } finally {
    replaying = undefined;
  }
}

export type Recording = Exchange[];
