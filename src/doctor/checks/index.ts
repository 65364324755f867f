/** Every check, in the order the table lists them: cheap ones first, the costly last. */
import type { Check } from "../check.js";
import { autoclaimCheck } from "./autoclaim.js";
import { featuresCheck } from "./features.js";
import { gateCheck } from "./gate.js";
import { multiExecCheck } from "./multi-exec.js";
import { pauseCheck } from "./pause.js";
import { pelLimitCheck } from "./pel-limit.js";
import { requestSizeCheck } from "./request-size.js";
import { xclaimCheck } from "./xclaim.js";
import { xpendingIdleCheck } from "./xpending-idle.js";

export const CHECKS: readonly Check[] = [
  gateCheck,
  pauseCheck,
  autoclaimCheck,
  xclaimCheck,
  xpendingIdleCheck,
  multiExecCheck,
  featuresCheck,
  pelLimitCheck,
  requestSizeCheck,
];
