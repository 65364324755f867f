/**
 * A run's CPU, estimated. Workers bill CPU per invocation (10 ms on the Free
 * plan) but a Worker cannot read its CPU time, and `Date.now()` stands still
 * between I/O, so the budget (`maxCpuMs`) is planned from costs measured in
 * workerd instead of from a clock:
 *
 *   cpu ≈ RUN + REQUEST × HTTP requests (Redis, and handler fetches) + MESSAGE × messages
 *
 * Calibrated with `npm run bench -- --scenario cpu` (tools/bench/scenarios/cpu.ts)
 * inside workerd under `wrangler dev`, on a loaded 2-vCPU machine (2026-11-29):
 * - REQUEST: a run costs about 2.5–3.5 ms of the isolate thread's CPU per
 *   Redis request there, of which a bare `fetch` of one PING takes about 3 ms:
 *   workerd's local HTTP client and wrangler's plumbing. What is left, the
 *   client's and the engine's own work per request, is put at 0.5 ms. How
 *   much of a subrequest production bills is not known; if it is the local
 *   figure, a default run costs several times its budget.
 * - MESSAGE: 8–11 µs of thread CPU per message at batch 100 (runs making
 *   the same number of requests compared), rounded up.
 * - RUN: the idle run's in-isolate share, rounded up.
 * Messages of a few hundred bytes with a handler that does no CPU work of
 * its own; the handler's own CPU is not in the estimate, so a CPU-heavy
 * handler needs a lower `maxCpuMs`. Figures: README "Benchmarks", "CPU".
 */

/** Fixed cost of a run: options, the report, the first request's bookkeeping. */
export const RUN_CPU_US = 1_000;
/** One HTTP request: building and sending it, reading and parsing the JSON reply. */
export const REQUEST_CPU_US = 500;
/** One message: its share of the reply, its handler call, its part of the commit. */
export const MESSAGE_CPU_US = 10;

/** Estimated µs of CPU for a run of `requests` HTTP requests and `messages` messages. */
export const estimateCpuUs = (requests: number, messages: number): number => RUN_CPU_US + REQUEST_CPU_US * requests + MESSAGE_CPU_US * messages;
