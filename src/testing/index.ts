/**
 * `cronsumer/testing`: unit tests of polling functions without Redis or a
 * network. Node only (the in-memory store runs Lua in wasmoon, loaded from
 * disk): see the README, "Testing your functions".
 */
export { createTestHarness } from "./harness.js";
export type { TestHarness, TestHarnessOptions } from "./harness.js";
export type { TestStoreKind } from "./store.js";
