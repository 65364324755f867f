/**
 * A run's CPU, estimated. Workers bill CPU per invocation (10 ms on the Free
 * plan) but a Worker cannot read its CPU time, and `Date.now()` stands still
 * between I/O, so the budget (`maxCpuMs`) is planned from costs measured in
 * workerd instead of from a clock:
 *
 *   cpu ≈ RUN + REQUEST × HTTP requests (Redis, and handler fetches) + MESSAGE × messages
 *
 * Calibrated with `npm run bench -- --scenario cpu` (tools/bench/scenarios/cpu.ts)
 * inside workerd under `wrangler dev`, by the inspector's CPU profile (the
 * isolate's JS, GC and native samples; medians of 9 live runs, on a loaded
 * 2-vCPU machine, 2026-11-29), each figure rounded up so the estimate
 * stays an upper bound of what was measured. The request is put at about
 * twice its median because live medians moved from 0.39 to 0.60 ms between
 * two runs of the bench on this shared machine: at 0.6 ms a default run took
 * 13 requests and measured 8.8 and 11 ms, at 0.8 ms 10 requests and 5.2 and
 * 6.3 ms.
 * - RUN: an idle run, one request included, measured about 0.5 ms.
 * - REQUEST: about 0.33 ms a request (batch-1 runs of 50 requests against
 *   the idle run); 0.07 ms of it is the client's and the engine's own work
 *   (replayed without the network), the rest workerd's HTTP client.
 * - MESSAGE: 5 µs a message at batch 100 (2.5 µs replayed), 9 µs at batch 10
 *   replayed; the live batch-10 figure is too noisy to read.
 * The isolate thread's whole CPU (schedstat) is several times higher per
 * request locally (about 3 ms), because workerd's local HTTP client and
 * wrangler's proxy run on that thread; how much of that production bills is
 * not known: a Worker that finds its ticks over 10 ms should lower
 * `maxCpuMs` or raise `batchSize`.
 * Messages of a few hundred bytes with a handler that does no CPU work of
 * its own; the handler's own CPU is not in the estimate, so a CPU-heavy
 * handler needs a lower `maxCpuMs`. Figures: README "Benchmarks", "CPU".
 */

/** Fixed cost of a run: options, the report, the first request's bookkeeping. */
export const RUN_CPU_US = 500;
/** One HTTP request: building and sending it, reading and parsing the JSON reply. */
export const REQUEST_CPU_US = 800;
/** One message: its share of the reply, its handler call, its part of the commit. */
export const MESSAGE_CPU_US = 10;

/** Estimated µs of CPU for a run of `requests` HTTP requests and `messages` messages. */
export const estimateCpuUs = (requests: number, messages: number): number => RUN_CPU_US + REQUEST_CPU_US * requests + MESSAGE_CPU_US * messages;
