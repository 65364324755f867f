/**
 * A real Lua VM for EVAL: wasmoon (Lua 5.4 compiled to WebAssembly). Loading
 * it is asynchronous (the WebAssembly module compiles once per process, on
 * the first script), but once loaded every call into it is synchronous, and
 * so are the host functions a script calls back: a script runs inside one
 * synchronous engine command, and no other command can run in between.
 */
import { createHash } from "node:crypto";
import type { LuaEngine, LuaFactory, LuaThread } from "wasmoon";
import type { Outcome } from "../../bridge/backend.js";
import { PRELUDE } from "./prelude.js";
import { decodeOutcome, decodeStrings, encodeStrings, escape, unescape } from "./wire.js";

/** Runs one command for a script: the wire-encoded reply, given the decoded argv. */
export type HostCall = (argv: string[]) => string;

type Wasmoon = typeof import("wasmoon");

/** Imported on the first script, not with the engine: the import alone costs ~300 ms. */
let loading: Promise<{ wasmoon: Wasmoon; factory: LuaFactory }> | undefined;

export async function createLuaVm(): Promise<LuaVm> {
  loading ??= import("wasmoon").then((wasmoon) => ({ wasmoon, factory: new wasmoon.LuaFactory() }));
  const { wasmoon, factory } = await loading;
  const lua = await factory.createEngine({ openStandardLibs: false, injectObjects: false, enableProxy: false });
  // The sandbox (prelude.ts) keeps what Redis offers of these and drops debug after taking getinfo.
  const libraries = wasmoon.LuaLibraries;
  for (const library of [libraries.Base, libraries.Table, libraries.String, libraries.Math, libraries.Coroutine, libraries.Debug]) {
    lua.global.loadLibrary(library);
  }
  return new LuaVm(lua, wasmoon);
}

export class LuaVm {
  private host: HostCall | undefined;
  private readonly compileFn: (sha: string, body: string) => string;
  private readonly runFn: (sha: string, keys: string, argv: string, deadline: number) => string;
  private readonly flushFn: () => void;

  constructor(lua: LuaEngine, wasmoon: Wasmoon) {
    lua.global.set("__host_call", (wire: string) => {
      if (!this.host) return "-ERR redis.call outside a script\x02";
      return this.host(decodeStrings(wire));
    });
    lua.global.set("__host_now", () => Date.now());
    lua.global.set("__host_sha1", (text: string) => createHash("sha1").update(unescape(text)).digest("hex"));
    lua.global.set("__host_json", (text: string) => jsonTree(unescape(text)));
    const refs = { call: 0, pcall: 0 };
    lua.global.set("__host_redis_call", trampoline(wasmoon, () => refs.call));
    lua.global.set("__host_redis_pcall", trampoline(wasmoon, () => refs.pcall));
    lua.doStringSync(PRELUDE);
    this.compileFn = lua.global.get("__compile");
    this.runFn = lua.global.get("__run");
    this.flushFn = lua.global.get("__flush");
    refs.call = registryRef(lua, wasmoon, "__invoke_call");
    refs.pcall = registryRef(lua, wasmoon, "__invoke_pcall");
    // Reachable from scripts' environment only through what the prelude put there.
    for (const name of [
      "__compile", "__run", "__flush", "__invoke_call", "__invoke_pcall", "__host_call", "__host_now", "__host_sha1", "__host_json",
      "__host_redis_call", "__host_redis_pcall", "debug", "io", "os", "package", "require", "dofile", "loadfile",
    ]) {
      lua.global.set(name, undefined);
    }
  }

  /** Compiles a script body under its sha; an error message if it does not compile. */
  compile(sha: string, body: string): string | undefined {
    return this.compileFn(sha, body) || undefined;
  }

  /** Runs a compiled script; `host` answers its `redis.call`s. It is stopped with an error past `timeLimitMs`. */
  run(sha: string, keys: readonly string[], args: readonly string[], host: HostCall, timeLimitMs: number): Outcome {
    this.host = host;
    try {
      return decodeOutcome(this.runFn(sha, encodeStrings(keys), encodeStrings(args), Date.now() + timeLimitMs));
    } finally {
      this.host = undefined;
    }
  }

  flush(): void {
    this.flushFn();
  }
}

/** A Lua function kept in the registry, so it stays callable once its global is gone. */
function registryRef(lua: LuaEngine, { LUA_REGISTRYINDEX }: Wasmoon, name: string): number {
  lua.global.lua.lua_getglobal(lua.global.address, name);
  return lua.global.lua.luaL_ref(lua.global.address, LUA_REGISTRYINDEX);
}

/**
 * A C function (to Lua) that calls the Lua function registered at `ref()`
 * with its own arguments, untouched by wasmoon's conversions, and returns
 * its results; an error raised there passes straight through.
 */
function trampoline({ decorateFunction, LUA_MULTRET, LUA_REGISTRYINDEX, LuaRawResult }: Wasmoon, ref: () => number) {
  return decorateFunction(
    (thread: LuaThread, count: number) => {
      const { lua, address } = thread;
      lua.lua_rawgeti(address, LUA_REGISTRYINDEX, BigInt(ref()));
      lua.lua_rotate(address, 1, 1);
      lua.lua_callk(address, count, LUA_MULTRET, 0, null);
      return new LuaRawResult(lua.lua_gettop(address));
    },
    { receiveThread: true, receiveArgsQuantity: true },
  );
}

export function sha1hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** JSON text as cjson.ts's tagged tree, or `!` and cjson's kind of message. */
function jsonTree(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `!${escape(`Expected value but found invalid token: ${error instanceof Error ? error.message : String(error)}`)}`;
  }
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null) out.push("~\x02");
    else if (v === true || v === false) out.push(v ? "t\x02" : "f\x02");
    else if (typeof v === "number") out.push(`#${v}\x02`);
    else if (typeof v === "string") out.push(`$${escape(v)}\x02`);
    else if (Array.isArray(v)) {
      out.push(`[${v.length}\x02`);
      v.forEach(walk);
    } else {
      const entries = Object.entries(v as Record<string, unknown>);
      out.push(`{${entries.length}\x02`);
      for (const [k, item] of entries) {
        out.push(`$${escape(k)}\x02`);
        walk(item);
      }
    }
  };
  walk(value);
  return out.join("");
}
