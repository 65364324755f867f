/**
 * The console browser test's Worker, written as a user's would be: the
 * shipped functions, plus `bodies`, whose stream holds JSON bodies
 * (`payload: "json"`), so the message drawer has a body to pretty-print.
 */
import type { Env } from "../../../src/index.js";
import { createDrainer, createWorker, definePollingFunction } from "../../../src/index.js";
import { functions as shipped } from "../../../src/functions/index.js";

const bodies = definePollingFunction({
  name: "bodies",
  // test/e2e/dashboard.test.ts enqueues here.
  stream: "orders:bodies",
  group: "body-readers",
  crons: ["* * * * *"],
  payload: "json",
  handle: async () => {},
});

const functions = [...shipped, bodies];

export default createWorker({ functions }) satisfies ExportedHandler<Env>;

/** Bound as CRONSUMER_DRAINER in this directory's wrangler.toml. */
export const CronsumerDrainer = createDrainer({ functions });
