/**
 * Child process for the kill -9 test: writes to an engine on argv[2] as fast
 * as it can and prints one line per acknowledged command, until killed.
 *   acked add <n>            XADD <n>-0 was acknowledged
 *   acked read <id> <id> …   XREADGROUP delivered these IDs
 */
import { createEngineBackend } from "../../../src/dev/engine/index.js";

const dataDir = process.argv[2]!;
const backend = await createEngineBackend({ dataDir, fsync: "no", compactAtBytes: 64 * 1024 });
await backend.command(["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]);
process.stdout.write("ready\n");
for (let n = 1; ; n++) {
  const added = await backend.command(["XADD", "s", `${n}-0`, "n", String(n), "pad", "x".repeat(n % 200)]);
  if ("error" in added) throw new Error(added.error);
  process.stdout.write(`acked add ${n}\n`);
  if (n % 3 === 0) {
    const read = await backend.command(["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"]);
    if ("error" in read) throw new Error(read.error);
    const entries = ((read.result as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? []).map(([id]) => id);
    process.stdout.write(`acked read ${entries.join(" ")}\n`);
  }
}
