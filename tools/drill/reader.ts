/**
 * The drill's own view of Redis, independent of the code under test: raw
 * commands over TCP with the `redis` client. The embedded engine has no TCP
 * port, so with `--store embedded` the same commands go to the bridge as
 * plain `POST /` requests (no base64, no @upstash/redis, no cronsumer code).
 */
import { createClient } from "redis";
import type { Fields } from "../../src/core/redis/parse-replies.js";

export interface Reader {
  /** How it reads: "tcp" or "bridge". */
  via: "tcp" | "bridge";
  command(argv: readonly string[]): Promise<unknown>;
  close(): Promise<void>;
}

export async function tcpReader(url: string): Promise<Reader> {
  const client = createClient({ url, RESP: 2 });
  client.on("error", () => undefined);
  await client.connect();
  return {
    via: "tcp",
    command: (argv) => client.sendCommand([...argv]),
    close: async () => client.destroy(),
  };
}

export function bridgeReader(url: string, token: string): Reader {
  return {
    via: "bridge",
    async command(argv) {
      const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(argv), signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { result?: unknown; error?: string };
      if (body.error !== undefined) throw new Error(body.error);
      return body.result;
    },
    close: async () => undefined,
  };
}

export interface Entry {
  id: string;
  fields: Fields;
}

/** Every entry of a stream, in pages of `XRANGE … COUNT`. */
export async function readStream(r: Reader, key: string, page = 2_000): Promise<Entry[]> {
  const all: Entry[] = [];
  let start = "-";
  for (;;) {
    const reply = (await r.command(["XRANGE", key, start, "+", "COUNT", String(page)])) as [string, string[] | null][];
    for (const [id, flat] of reply) all.push({ id, fields: pairs(flat ?? []) });
    if (reply.length < page) return all;
    start = `(${reply[reply.length - 1]![0]}`;
  }
}

/** XINFO GROUPS / XINFO CONSUMERS rows as objects; an error (no stream yet) reads as none. */
export async function xinfo(r: Reader, argv: readonly string[]): Promise<Record<string, unknown>[]> {
  try {
    const rows = (await r.command(["XINFO", ...argv])) as unknown[][];
    return rows.map((row) => Object.fromEntries(Array.from({ length: row.length / 2 }, (_, i) => [String(row[2 * i]), row[2 * i + 1]])));
  } catch {
    return [];
  }
}

export async function xlen(r: Reader, key: string): Promise<number> {
  return Number(await r.command(["XLEN", key]));
}

function pairs(flat: readonly string[]): Fields {
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
