/**
 * The files `cronsumer init` writes into a project that has none of them:
 * one example polling function, and a first test of it that runs on
 * `cronsumer/testing` with no Redis.
 */

export const EXAMPLE_STREAM = "example:jobs";
export const EXAMPLE_DONE = "example:done";

export function exampleFunction(cron: string): string {
  return `/**
 * An example polling function, from \`npx cronsumer init\`. It takes jobs from
 * the stream ${EXAMPLE_STREAM} and records each as done in ${EXAMPLE_DONE}, an
 * effect written with the acknowledgement. Add it to your Worker:
 *
 *   import { createWorker } from "cronsumer";
 *   import { example } from "./functions/example";
 *   export default createWorker({ functions: [example] });
 */
import { definePollingFunction, PermanentError } from "cronsumer";

export const example = definePollingFunction({
  name: "example",
  stream: "${EXAMPLE_STREAM}",
  group: "example-workers",
  // The same string as in wrangler.toml's [triggers] crons.
  crons: [${JSON.stringify(cron)}],
  options: { maxDeliveries: 3 },
  async handle(message, ctx) {
    const task = message.fields.task;
    // Retrying cannot fix a job without a task: dead-letter it at once.
    if (!task) throw new PermanentError("a job needs a task field");
    ctx.effects.xadd("${EXAMPLE_DONE}", { task, id: message.id });
  },
});
`;
}

/** `functionImport`: the example's module as seen from the test file, without an extension. */
export function exampleTest(functionImport: string): string {
  return `/**
 * The example function, run in process on cronsumer/testing: no Redis, no
 * network. Set CRONSUMER_TEST_REDIS_URL (or CRONSUMER_TEST_UPSTASH_URL and
 * CRONSUMER_TEST_UPSTASH_TOKEN) to run it against a real store instead.
 */
import { createTestHarness, type TestHarness } from "cronsumer/testing";
import { afterEach, expect, it } from "vitest";
import { example } from "${functionImport}";

let harness: TestHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

it("handles a job: done in ${EXAMPLE_DONE}, nothing left pending", async () => {
  harness = await createTestHarness({ functions: [example] });
  const { ids } = await harness.enqueue("${EXAMPLE_STREAM}", { task: "send-welcome" });
  const report = await harness.run("example");
  expect(report.acked).toBe(1);
  expect((await harness.entries("${EXAMPLE_DONE}")).map((e) => e.fields)).toEqual([{ task: "send-welcome", id: ids[0] }]);
  expect(await harness.pending("example")).toEqual([]);
});

it("dead-letters a job without a task at once, without retrying it", async () => {
  harness = await createTestHarness({ functions: [example] });
  await harness.enqueue("${EXAMPLE_STREAM}", { other: "x" });
  await harness.run("example");
  const letters = await harness.deadLetters("example");
  expect(letters.map((d) => [d.deliveries, d.error])).toEqual([[1, "PermanentError: a job needs a task field"]]);
});
`;
}
