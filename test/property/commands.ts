/**
 * The steps of a case, as fast-check commands (`fc.commands`): enqueue,
 * run one function with its faults, run several at once with fast-check's
 * scheduler choosing the order their requests reach Redis, and move the
 * clock on. The model is what a step needs to know beforehand: how many
 * runs met a fault, capped so a case keeps enough deliveries to finish.
 */
import fc from "fast-check";
import type { Case } from "./case.js";
import type { Gate } from "./faults.js";
import type { MessageSpec, RunSpec } from "./generators.js";
import { messageArb, runSpecArb } from "./generators.js";

export interface Model {
  faulted: number;
  late: number;
}

/** Runs that may meet a fault in one case; beyond it, a case is mostly about deliveries running out. */
export const MAX_FAULTED_RUNS = 3;

type Command = fc.AsyncCommand<Model, Case>;

/** Anything that meets faults: a run, or a whole invocation (invocation.ts). */
type Faulted = Pick<RunSpec, "faults">;

const faultsIn = (specs: readonly Faulted[]) => specs.filter((s) => s.faults.length > 0).length;
const lateIn = (specs: readonly Faulted[]) => specs.filter((s) => s.faults.some((f) => f.kind === "late")).length;
/** One late request per case: two in one batch's life would pass the visibility timeout's margin, outside what a run promises. */
export const fits = (m: Readonly<Model>, specs: readonly Faulted[]) => m.faulted + faultsIn(specs) <= MAX_FAULTED_RUNS && m.late + lateIn(specs) <= 1;
export const count = (m: Model, specs: readonly Faulted[]) => {
  m.faulted += faultsIn(specs);
  m.late += lateIn(specs);
};
const show = (s: RunSpec) => `g${s.group}/m${s.member}/slot${s.slot}${s.faults.map((f) => ` ${f.kind}@${f.at}`).join("")}`;

class Enqueue implements Command {
  constructor(readonly messages: MessageSpec[]) {}
  check = () => true;
  async run(_m: Model, c: Case) {
    await c.enqueue(this.messages);
  }
  toString = () => `enqueue ${JSON.stringify(this.messages)}`;
}

class Run implements Command {
  constructor(readonly spec: RunSpec) {}
  check = (m: Readonly<Model>) => fits(m, [this.spec]);
  async run(m: Model, c: Case) {
    count(m, [this.spec]);
    await c.run(this.spec);
  }
  toString = () => `run ${show(this.spec)}`;
}

class Overlap implements Command {
  constructor(
    readonly specs: RunSpec[],
    readonly s: fc.Scheduler,
  ) {}
  check = (m: Readonly<Model>) => fits(m, this.specs);
  async run(m: Model, c: Case) {
    count(m, this.specs);
    const gate: Gate = (label, send) => this.s.schedule(Promise.resolve(label), label).then(send);
    await this.s.waitFor(Promise.all(this.specs.map((spec) => c.run(spec, gate))));
  }
  toString = () => `overlap [${this.specs.map(show).join(", ")}] ${this.s.report().map((r) => r.label).join(" ")}`;
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, c: Case) {
    await c.advance(this.ms);
  }
  toString = () => `advance ${this.ms} ms`;
}

/** `replayPath` is what a failure printed after the commands (replayPath="…"): fast-check needs it to replay which commands ran. */
export const commandsArb = (replayPath?: string) =>
  fc.commands(
    [
      fc.array(messageArb, { minLength: 1, maxLength: 4 }).map((ms) => new Enqueue(ms)),
      runSpecArb.map((s) => new Run(s)),
      fc.tuple(fc.array(runSpecArb, { minLength: 2, maxLength: 3 }), fc.scheduler()).map(([specs, s]) => new Overlap(specs, s)),
      fc.constantFrom(1_000, 9_000, 30_000).map((ms) => new Advance(ms)),
    ],
    { maxCommands: 8, ...(replayPath === undefined ? {} : { replayPath }) },
  );

export const initialArb = fc.array(messageArb, { minLength: 1, maxLength: 8 });
