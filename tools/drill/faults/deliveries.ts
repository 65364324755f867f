/**
 * Every delivery Redis made, as the bridge saw it leave: the ids in each
 * answer to an `XREADGROUP` or `XAUTOCLAIM` of the drill's stream, with the
 * time and whether the bridge then dropped the answer. Each such reply
 * counts one delivery of each id it holds, in Redis's order, so the k-th
 * answer holding an id is its delivery k. The accounting matches these
 * against the attempts the handler logged, to tell a delivery lost to a
 * fault from one Redis counted but nobody ever handed to a handler.
 */

export interface Delivery {
  /** Since the drill started. */
  tMs: number;
  /** The bridge dropped the answer after Redis ran it: no handler could see it. */
  dropped: boolean;
}

export interface DeliveryLog {
  /** Called by the bridge's `after` hook with the request and Redis's answer. */
  record(commands: readonly (readonly string[])[], answer: unknown, dropped: boolean): void;
  /** Message id → its deliveries, in order. */
  readonly byId: ReadonlyMap<string, readonly Delivery[]>;
}

export function deliveryLog(stream: string, startedAt: number): DeliveryLog {
  const byId = new Map<string, Delivery[]>();
  return {
    byId,
    record(commands, answer, dropped) {
      const replies = Array.isArray(answer) ? answer : [answer];
      const tMs = Date.now() - startedAt;
      commands.forEach((argv, i) => {
        const reply = (replies[i] as { result?: unknown } | undefined)?.result;
        for (const id of deliveredIds(argv, reply, stream)) {
          const list = byId.get(id) ?? [];
          list.push({ tMs, dropped });
          byId.set(id, list);
        }
      });
    },
  };
}

/** The ids one command's reply delivered from `stream` (none for other commands, or an error). */
export function deliveredIds(argv: readonly string[], reply: unknown, stream: string): string[] {
  const name = String(argv[0]).toUpperCase();
  if (name === "XREADGROUP" && Array.isArray(reply)) {
    return reply.flatMap((s) => (Array.isArray(s) && s[0] === stream && Array.isArray(s[1]) ? (s[1] as unknown[][]).map((e) => String(e[0])) : []));
  }
  if (name === "XAUTOCLAIM" && argv[1] === stream && Array.isArray(reply) && Array.isArray(reply[1])) {
    // A claimed id whose entry was deleted comes back as nil (Redis 6.2): still a delivery counted.
    return (reply[1] as unknown[]).flatMap((e) => (Array.isArray(e) ? [String(e[0])] : []));
  }
  return [];
}
