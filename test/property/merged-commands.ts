/**
 * Merged mode's steps and what it generates (invocation.ts): 2–3 parts with
 * their own option sets and workloads, a coalescer cap (a small one splits
 * an invocation's requests), whether the parts leave their budgets to the
 * invocation's share, and the steps: enqueue into one part, one invocation
 * with faults on its merged requests, two invocations at once with
 * fast-check's scheduler ordering their requests, and the clock moving on.
 */
import fc from "fast-check";
import type { Model } from "./commands.js";
import { count, fits, initialArb } from "./commands.js";
import type { Gate } from "./faults.js";
import type { Fault, FaultKind, MessageSpec } from "./generators.js";
import { messageArb, optionSetArb } from "./generators.js";
import type { InvocationSpec, MergedCase } from "./invocation.js";

type Command = fc.AsyncCommand<Model, MergedCase>;

/** An invocation sends more requests than one run: faults reach a little further into it. */
const mergedFaultArb: fc.Arbitrary<Fault> = fc.record({
  at: fc.integer({ min: 0, max: 5 }),
  kind: fc.constantFrom<FaultKind>("dropBefore", "dropAfter", "status503", "hang", "throw", "late"),
});

export const invocationSpecArb: fc.Arbitrary<InvocationSpec> = fc.record({
  slot: fc.integer({ min: 0, max: 3 }),
  faults: fc.oneof(fc.constant<Fault[]>([]), mergedFaultArb.map((f) => [f])),
});

/** Upstash's cap as the default, and one that only two or three small requests fit. */
export const MERGE_CAPS = [8 * 1024 * 1024, 700] as const;

export const mergedArb = fc.record({
  sets: fc.array(optionSetArb, { minLength: 2, maxLength: 3 }),
  initial: fc.array(initialArb, { minLength: 3, maxLength: 3 }),
  maxRequestBytes: fc.constantFrom(...MERGE_CAPS),
  /** The parts set no maxSubrequests or maxCpuMs of their own, so the invocation shares Free's budgets by need. */
  shareBudgets: fc.boolean(),
});

const show = (s: InvocationSpec) => `slot${s.slot}${s.faults.map((f) => ` ${f.kind}@${f.at}`).join("")}`;

class EnqueueInto implements Command {
  constructor(
    readonly part: number,
    readonly messages: MessageSpec[],
  ) {}
  check = () => true;
  async run(_m: Model, c: MergedCase) {
    await c.parts[this.part % c.parts.length]!.enqueue(this.messages);
  }
  toString = () => `enqueue into part ${this.part} ${JSON.stringify(this.messages)}`;
}

class Invoke implements Command {
  constructor(readonly spec: InvocationSpec) {}
  check = (m: Readonly<Model>) => fits(m, [this.spec]);
  async run(m: Model, c: MergedCase) {
    count(m, [this.spec]);
    await c.invoke(this.spec);
  }
  toString = () => `invoke ${show(this.spec)}`;
}

class OverlapInvocations implements Command {
  constructor(
    readonly specs: InvocationSpec[],
    readonly s: fc.Scheduler,
  ) {}
  check = (m: Readonly<Model>) => fits(m, this.specs);
  async run(m: Model, c: MergedCase) {
    count(m, this.specs);
    const gate: Gate = (label, send) => this.s.schedule(Promise.resolve(label), label).then(send);
    await this.s.waitFor(Promise.all(this.specs.map((spec) => c.invoke(spec, gate))));
  }
  toString = () => `overlap [${this.specs.map(show).join(", ")}] ${this.s.report().map((r) => r.label).join(" ")}`;
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, c: MergedCase) {
    await c.advance(this.ms);
  }
  toString = () => `advance ${this.ms} ms`;
}

export const mergedCommandsArb = (replayPath?: string) =>
  fc.commands(
    [
      fc.tuple(fc.nat(2), fc.array(messageArb, { minLength: 1, maxLength: 4 })).map(([part, ms]) => new EnqueueInto(part, ms)),
      invocationSpecArb.map((s) => new Invoke(s)),
      fc.tuple(fc.array(invocationSpecArb, { minLength: 2, maxLength: 2 }), fc.scheduler()).map(([specs, s]) => new OverlapInvocations(specs, s)),
      fc.constantFrom(1_000, 9_000, 30_000).map((ms) => new Advance(ms)),
    ],
    { maxCommands: 6, ...(replayPath === undefined ? {} : { replayPath }) },
  );
