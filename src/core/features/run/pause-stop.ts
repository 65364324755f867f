/**
 * Pause in a run (pause.ts has the gate itself). Reads name the pause gate,
 * so a paused function's read fails with WRONGTYPE and the run stops there.
 * Recovery (`XPENDING` + `XAUTOCLAIM`) names no stream a gate could fail, so
 * each recovery request also asks `TYPE <pause gate>`: when it answers
 * "string" the function was paused meanwhile, and whatever that request
 * claimed goes back uncharged, for the run after the resume, instead of to
 * a handler. A transaction cannot make the claim depend on the gate; putting
 * it back costs nothing but the commit's XCLAIMs, and no handler runs.
 */
import { putBack } from "../../handle/fetched.js";
import { pauseKey } from "../../redis/keys.js";
import { op } from "../../redis/ops.js";
import type { Feature, RunScope } from "../feature.js";
import { isPausedError } from "../pause.js";

export function pauseStop(s: RunScope): Feature {
  let paused = false;
  return {
    ride(kind) {
      if (kind !== "recover") return undefined;
      return {
        ops: [op(["TYPE", pauseKey(s.target.stream, s.target.group)], (r) => r)],
        replies: ([type]) => void (paused ||= type?.ok === true && type.value === "string"),
      };
    },
    async admit(_t, fetched) {
      if (!paused) return fetched;
      s.stop("paused");
      const back = putBack([...fetched.toHandle, ...fetched.expired.map((e) => e.message)]);
      return { ...fetched, toHandle: [], expired: [], released: [...fetched.released, ...back] };
    },
    refused: (kind, error) => (kind === "read" && isPausedError(error) ? "paused" : undefined),
  };
}
