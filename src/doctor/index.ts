/** `cronsumer doctor`: checks that a database behaves as cronsumer assumes. */
export type { Check, CheckResult, DoctorContext } from "./check.js";
export { CHECKS } from "./checks/index.js";
export { KEY_PREFIX } from "./keys.js";
export { DEFAULT_MAX_REQUEST_BYTES, runDoctor, type DoctorOptions, type DoctorReport } from "./run.js";
export { formatReport } from "./table.js";
