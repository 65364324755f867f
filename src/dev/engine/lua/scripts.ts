/**
 * The script cache of one engine, and what Redis 7.0 checks before running
 * a script: its shebang line (`#!lua flags=…`) and its sha. Scripts are kept
 * by sha until SCRIPT FLUSH, and not persisted: after a restart EVALSHA
 * answers NOSCRIPT, as Redis does.
 */
import { fail } from "../errors.js";
import { sha1hex, type LuaVm } from "./vm.js";

/** The shebang flags Redis 7.0 knows; it refuses any other (Upstash's `allow-key-locking` included). */
const FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

export const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";

export interface Script {
  sha: string;
  /** `#!lua flags=no-writes`: write commands are refused. */
  readOnly: boolean;
}

export class ScriptCache {
  private readonly scripts = new Map<string, Script>();
  /** Set once the engine has loaded Lua (Engine.prepare); scripts need it. */
  vm: LuaVm | undefined;
  /**
   * How long a script may run before it is stopped with an error (its writes
   * so far stay, as in Redis). Redis would answer BUSY to everyone else
   * meanwhile; the engine has no other thread to answer them from.
   * @default 5000, Redis's busy-reply-threshold
   */
  timeLimitMs = 5_000;

  /** Compiles `body` if new; Redis's error text when it does not compile. */
  load(body: string): Script {
    const sha = sha1hex(body);
    const known = this.scripts.get(sha);
    if (known) return known;
    const { readOnly, source } = parseShebang(body);
    if (!this.vm) throw new Error("the Lua VM is not loaded: Engine.prepare must run before a script");
    const problem = this.vm.compile(sha, source);
    if (problem !== undefined) fail(problem);
    const script = { sha, readOnly };
    this.scripts.set(sha, script);
    return script;
  }

  get(sha: string): Script | undefined {
    return this.scripts.get(sha.toLowerCase());
  }

  flush(): void {
    this.scripts.clear();
    this.vm?.flush();
  }
}

/**
 * Redis's evalExtractShebangFlags. The shebang line becomes a comment, so
 * line numbers in error messages stay the script's own.
 */
function parseShebang(body: string): { readOnly: boolean; source: string } {
  if (!body.startsWith("#!")) return { readOnly: false, source: body };
  const end = body.indexOf("\n");
  const line = end < 0 ? body : body.slice(0, end);
  const [engine, ...options] = line.split(" ").filter((part) => part !== "");
  if (engine !== "#!lua") fail(`ERR Unexpected engine in script shebang: ${engine ?? line}`);
  let readOnly = false;
  for (const option of options) {
    if (!option.startsWith("flags=")) fail(`ERR Unknown lua shebang option: ${option}`);
    for (const flag of option.slice("flags=".length).split(",")) {
      if (flag === "") continue;
      if (!FLAGS.has(flag)) fail(`ERR Unexpected flag in script shebang: ${flag}`);
      if (flag === "no-writes") readOnly = true;
    }
  }
  return { readOnly, source: `--${body.slice(2)}` };
}
