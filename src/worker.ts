/**
 * This repository's own Worker, written as any user's would be: it imports
 * only the public API (./index.ts, what `import … from "cronsumer"` gives)
 * and the example functions.
 */
import type { Env } from "./index.js";
import { createWorker } from "./index.js";
import { functions } from "./functions/index.js";

export default createWorker({ functions }) satisfies ExportedHandler<Env>;
