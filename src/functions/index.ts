/** Every polling function this Worker runs. Add a function here and its cron to wrangler.toml. */
import type { PollingFunction } from "../core/define.js";
import { payments } from "./payments.js";
import { webhook } from "./webhook.js";

export const functions: readonly PollingFunction[] = [payments, webhook];

export const functionByName = (name: string): PollingFunction | undefined => functions.find((f) => f.name === name);
