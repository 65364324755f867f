/**
 * This repository's own Worker, written as any user's would be: it imports
 * only the public API (./index.ts, what `import … from "cronsumer"` gives)
 * and the example functions.
 */
import type { Env } from "./index.js";
import { createDrainer, createWorker } from "./index.js";
import { functions } from "./functions/index.js";

export default createWorker({ functions }) satisfies ExportedHandler<Env>;

/** The Durable Object class fan-out drainers run in (wrangler.toml binds it as CRONSUMER_DRAINER). */
export const CronsumerDrainer = createDrainer({ functions });
