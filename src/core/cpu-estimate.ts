/**
 * A run's CPU, estimated. Workers bill CPU per invocation (10 ms on the Free
 * plan) but a Worker cannot read its CPU time, and `Date.now()` stands still
 * between I/O, so the budget (`maxCpuMs`) is planned from costs measured in
 * workerd instead of from a clock:
 *
 *   cpu ≈ RUN + REQUEST × HTTP requests (Redis, and handler fetches) + MESSAGE × messages
 *
 * Calibrated with `npm run bench -- --scenario cpu` (tools/bench/scenarios/cpu.ts),
 * from the inspector's CPU profile of runs inside workerd under `wrangler dev`
 * (JS + GC + native work called from JS, not the wait on I/O): RUN from the
 * idle run, REQUEST from 50 batches of 1 against the idle run, MESSAGE from
 * 5 batches of 10 against 5 batches of 1, taking the larger of its batch-10
 * and batch-100 figures, all rounded up. Messages of a few hundred bytes with
 * a handler that does no CPU work of its own; the handler's own CPU is not in
 * the estimate, so a CPU-heavy handler needs a lower `maxCpuMs`. Figures and
 * method: README "Benchmarks" and tools/bench/RESULTS.md.
 */

/** Fixed cost of a run: options, the report, the first request's bookkeeping. */
export const RUN_CPU_US = 1_000;
/** One HTTP request: building and sending it, reading and parsing the JSON reply. */
export const REQUEST_CPU_US = 500;
/** One message: its share of the reply, its handler call, its part of the commit. */
export const MESSAGE_CPU_US = 10;

/** Estimated µs of CPU for a run of `requests` HTTP requests and `messages` messages. */
export const estimateCpuUs = (requests: number, messages: number): number => RUN_CPU_US + REQUEST_CPU_US * requests + MESSAGE_CPU_US * messages;
