/** Which wrangler start failures the stack retries on fresh ports (stack.ts `lostRacedPort`): only a port lost to another process, never the Worker's own. */
import { describe, expect, it } from "vitest";
import { lostRacedPort } from "../../../src/dev/stack/stack.js";
import { WorkerStartError } from "../../../src/dev/stack/worker.js";

const failed = (line: string) => new WorkerStartError(`wrangler dev exited (1) before the Worker answered GET /health\nwrangler's last lines:\n  ${line}`);

describe("lostRacedPort", () => {
  it("retries a port another process took between picking and binding", () => {
    expect(lostRacedPort(failed("✘ [ERROR] Address already in use (127.0.0.1:45709). Please check that you are not already running a server"), 8787)).toBe(true);
  });
  it("does not retry when the Worker's own port is taken, nor for other failures", () => {
    expect(lostRacedPort(failed("✘ [ERROR] Address already in use (127.0.0.1:8787). Please check"), 8787)).toBe(false);
    expect(lostRacedPort(failed("✘ [ERROR] Build failed with 1 error"), 8787)).toBe(false);
    expect(lostRacedPort(new Error("Address already in use (127.0.0.1:45709)"), 8787)).toBe(false);
  });
});
