/**
 * What global setup runs the suite against (`inject("redisKind")`). Tests
 * that need a real Redis (the differential suite, anything that spawns or
 * stops its own redis-server) skip on the embedded engine and say why:
 * `describe.skipIf(ON_ENGINE)(realRedisOnly("…"), …)`.
 */
import { inject } from "vitest";

/** True when there is no real Redis and the suite runs against the embedded engine. */
export const ON_ENGINE = inject("redisKind") === "engine";

/** `name`, plus the reason it is skipped when running on the engine. */
export function realRedisOnly(name: string, needs = "a real Redis"): string {
  return ON_ENGINE ? `${name} [skipped: needs ${needs}, and the tests run on the embedded engine]` : name;
}
