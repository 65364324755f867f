#!/usr/bin/env node
/**
 * The `cronsumer` command line: dispatches to a subcommand.
 * Run with `node --import tsx src/cli/index.ts doctor` (or `npm run doctor`).
 * Subcommands are loaded only when named: `doctor` needs none of the local
 * stack, and `dev` none of doctor's checks.
 */
export {};

type Command = (argv: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  doctor: async () => (await import("./doctor.js")).main,
  dev: async () => (await import("./dev.js")).main,
  init: async () => (await import("./init.js")).main,
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : COMMANDS[name];
if (load === undefined) {
  console.error(`usage: cronsumer <command>\n\ncommands: ${Object.keys(COMMANDS).join(", ")}`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load())(rest, process.env);
}
