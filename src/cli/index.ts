#!/usr/bin/env node
/**
 * The `cronsumer` command line: dispatches to a subcommand.
 * Run with `node --import tsx src/cli/index.ts doctor` (or `npm run doctor`).
 */
import { main as doctor } from "./doctor.js";

const COMMANDS: Record<string, (argv: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>> = { doctor };

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  console.error(`usage: cronsumer <command>\n\ncommands: ${Object.keys(COMMANDS).join(", ")}`);
  process.exitCode = 2;
} else {
  process.exitCode = await command(rest, process.env);
}
