/**
 * Shared by the doctor tests: a private bridge over any backend, a backend
 * wrapper that makes the store misbehave in one chosen way, and the CLI's
 * `main` run in-process with its output captured.
 */
import { randomUUID } from "node:crypto";
import type { Backend, Outcome } from "../../../src/dev/bridge/backend.js";
import { startBridge } from "../../../src/dev/bridge/server.js";
import { main } from "../../../src/cli/doctor.js";
import { KEY_PREFIX } from "../../../src/doctor/index.js";
import { bridgeTransport } from "../../support/engine.js";

export interface DoctorRun {
  code: number;
  output: string;
}

/** `cronsumer doctor` against `url`, the token passed through the environment as users are told to. */
export async function doctor(url: string, token: string, args: string[] = []): Promise<DoctorRun> {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const code = await main(["--url", url, ...args], { UPSTASH_REDIS_REST_TOKEN: token }, io);
  return { code, output: lines.join("\n") };
}

export interface PrivateBridge {
  url: string;
  token: string;
  /** Requests and commands that reached the store: what Upstash would bill. */
  stats: { requests: number; commands: number };
  close(): Promise<void>;
}

/** A bridge of its own over `backend`; closing it closes the backend too. */
export async function bridgeOver(backend: Backend, maxBodyBytes?: number): Promise<PrivateBridge> {
  const token = randomUUID();
  const bridge = await startBridge({ backend, token, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) });
  return {
    url: bridge.url,
    token,
    stats: bridge.stats,
    async close() {
      await bridge.close();
      await backend.close();
    },
  };
}

export interface Misbehaviour {
  /** Answers a command without running it; undefined runs it. */
  intercept?(argv: string[]): Outcome | undefined;
  /** Rewrites a command before the store sees it. */
  command?(argv: string[]): string[];
  /** Rewrites a command's outcome before the client sees it. */
  outcome?(argv: string[], outcome: Outcome): Outcome;
  /** Runs a transaction as a plain pipeline: no queue-time refusal. */
  transactionAsPipeline?: boolean;
}

/** `backend`, wrong in the ways `m` says, on every route. */
export function misbehaving(backend: Backend, m: Misbehaviour): Backend {
  const before = (argv: string[]) => m.command?.(argv) ?? argv;
  const after = (argv: string[], o: Outcome) => m.outcome?.(argv, o) ?? o;
  async function pipeline(commands: string[][]): Promise<Outcome[]> {
    const intercepted = commands.map((argv) => m.intercept?.(argv));
    const run = commands.filter((_, i) => intercepted[i] === undefined);
    const outcomes = run.length > 0 ? await backend.pipeline(run.map(before)) : [];
    let next = 0;
    return commands.map((argv, i) => intercepted[i] ?? after(argv, outcomes[next++]!));
  }
  return {
    async command(argv) {
      const [outcome] = await pipeline([argv]);
      return outcome!;
    },
    pipeline,
    async transaction(commands) {
      if (m.transactionAsPipeline) return { results: await pipeline(commands) };
      const answer = await backend.transaction(commands.map(before));
      return "error" in answer ? answer : { results: answer.results.map((o, i) => after(commands[i]!, o)) };
    },
    close: () => backend.close(),
  };
}

/** Doctor keys still in the store behind `bridge`, asked through the bridge itself. */
export async function keysLeft(bridge: PrivateBridge): Promise<unknown> {
  const [outcome] = await bridgeTransport(bridge.url, bridge.token).pipeline([["KEYS", `{${KEY_PREFIX}*`]]);
  return outcome && "result" in outcome ? outcome.result : outcome;
}
