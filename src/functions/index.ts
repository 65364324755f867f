/** The example functions this repository's Worker (src/worker.ts) runs. Add a function here and its cron to wrangler.toml. */
import type { PollingFunction } from "../index.js";
import { accounts } from "./accounts.js";
import { payments } from "./payments.js";
import { webhook } from "./webhook.js";

export const functions: readonly PollingFunction[] = [payments, webhook, accounts];

export const functionByName = (name: string): PollingFunction | undefined => functions.find((f) => f.name === name);
