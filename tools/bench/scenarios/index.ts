/** Every scenario by the name `--scenario` takes, in the order a full run takes them. */
import type { Context } from "../context.js";
import type { Section } from "../report.js";
import { cpuScenario } from "./cpu.js";
import { drainScenario } from "./drain.js";
import { enqueueScenario } from "./enqueue.js";
import { flowScenario } from "./flow.js";
import { idleScenario } from "./idle.js";
import { latencyScenario } from "./latency.js";
import { recoveryScenario } from "./recovery.js";
import { scalingScenario } from "./scaling.js";
import { tickScenario } from "./tick.js";

export const SCENARIOS = {
  drain: drainScenario,
  scaling: scalingScenario,
  idle: idleScenario,
  recovery: recoveryScenario,
  enqueue: enqueueScenario,
  latency: latencyScenario,
  flow: flowScenario,
  cpu: cpuScenario,
  tick: tickScenario,
} satisfies Record<string, (ctx: Context) => Promise<Section>>;

export type ScenarioName = keyof typeof SCENARIOS;
