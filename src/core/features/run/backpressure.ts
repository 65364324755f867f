/**
 * The backpressure gate in a run: while the group holds `maxPending`
 * entries, the run reads nothing new and closes the gate (keys.ts
 * `gateKey`), so every other run's first read fails with NOGROUP and reads
 * nothing either, at no extra command. The run keeps the group's pending
 * count from the first request's summary, adds what it reads, and takes
 * off what its commits settle; the gate follows it in the commit requests.
 * With `noAck` nothing is ever pending, and there is no gate.
 */
import { delOp } from "../../redis/key-ops.js";
import { gateKey } from "../../redis/keys.js";
import { gateOpenOp } from "../ensure-group.js";
import type { Feature, RunScope } from "../feature.js";

export function backpressure(s: RunScope): Feature | undefined {
  if (s.o.noAck) return undefined;
  const gate = gateKey(s.target.stream);
  let pending = 0;
  let open = true;
  const wantOpen = () => pending < s.o.maxPending;
  return {
    first: () => ({ gate }),
    started(first, fetched) {
      pending = first.pendingAtStart + fetched.toHandle.length;
      open = first.gateOpen;
    },
    settling: (count) => void (pending -= count),
    next(kind, size) {
      if (kind === "recover" || wantOpen()) return { size };
      s.report.backpressure = true;
      return { stop: "drained" };
    },
    ride() {
      if (wantOpen() === open) return undefined;
      open = wantOpen();
      s.report.backpressure ||= !open;
      return { ops: [open ? gateOpenOp(s.target.stream, s.target.group) : delOp([gate])] };
    },
    fetched: (kind, fetched) => void (kind === "read" && (pending += fetched.toHandle.length)),
  };
}
