/**
 * `keyConcurrency` in a run (key-leases.ts has the leases): before a batch
 * is handled, one request leases its keyed messages; those over their key's
 * limit are put back uncharged for a later pass, and every lease of the
 * batch is deleted in the request that commits it.
 */
import type { KeyConcurrency } from "../../define/options.js";
import { KEY_LEASE_REQUESTS } from "../../define/options.js";
import { putBack } from "../../handle/fetched.js";
import type { Op } from "../../redis/ops.js";
import type { Feature, RunScope } from "../feature.js";
import { HELD_BACK_DELAY_MS, leaseBatch } from "../key-leases.js";

export function keyConcurrency(s: RunScope, kc: KeyConcurrency | undefined): Feature | undefined {
  if (!kc) return undefined;
  let release: Op<unknown>[] = [];
  return {
    requestsPerBatch: KEY_LEASE_REQUESTS,
    async admit(t, fetched) {
      if (fetched.toHandle.length === 0) return fetched;
      const leased = await leaseBatch(t, s.target, kc, fetched.toHandle, s.now(), s.o.visibilityTimeoutMs);
      release = leased.release;
      if (leased.heldBack.length === 0) return fetched;
      s.report.heldBack = (s.report.heldBack ?? 0) + leased.heldBack.length;
      return { ...fetched, toHandle: leased.toHandle, released: [...fetched.released, ...putBack(leased.heldBack, HELD_BACK_DELAY_MS)] };
    },
    ride() {
      if (release.length === 0) return undefined;
      const ops = release;
      release = [];
      return { ops };
    },
  };
}
