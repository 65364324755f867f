/**
 * `cronsumer/dev`: the local stack as a library, Node only, for a project's
 * own scripts and end-to-end tests (`npx cronsumer dev` is the CLI over it).
 * Never imported by the Worker runtime (`cronsumer`): the engine, the
 * bridge, wasmoon and node-redis stay out of a Worker's bundle.
 */
export { startStack, StackError } from "./stack/stack.js";
export type { Stack, StackOptions } from "./stack/stack.js";
export type { StackFile } from "./stack/stack-file.js";
export { readStackFile } from "./stack/stack-file.js";
export type { StoreKind } from "./stack/store.js";
export { ProjectError } from "./stack/project.js";
