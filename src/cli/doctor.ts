/**
 * `cronsumer doctor`: runs the doctor's checks against an Upstash database
 * (or any Redis behind the local bridge) and prints expected against
 * observed. Exit code 0 when every check agrees, 1 on a mismatch, 2 on a
 * usage error. The token is never printed.
 */
import { Redis } from "@upstash/redis";
import { upstashTransport } from "../core/redis/upstash-transport.js";
import { CHECKS, DEFAULT_MAX_REQUEST_BYTES, formatReport, runDoctor } from "../doctor/index.js";

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

export const USAGE = `usage: UPSTASH_REDIS_REST_TOKEN=… cronsumer doctor [--url <rest-url>] [--skip <check>]... [--max-request-bytes <n>]

Checks that a database behaves as cronsumer assumes, on keys of its own,
which it deletes at the end. The URL defaults to UPSTASH_REDIS_REST_URL.
The token comes only from UPSTASH_REDIS_REST_TOKEN: process arguments are
visible to every user of the machine.

checks: ${CHECKS.map((c) => c.name).join("; ")}`;

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

interface Args {
  url?: string;
  skip: string[];
  maxRequestBytes: number;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { skip: [], maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") args.help = true;
    else if (flag === "--url") args.url = value();
    else if (flag === "--token") throw new UsageError("--token is not accepted: other users can read process arguments. Set UPSTASH_REDIS_REST_TOKEN in the environment instead");
    else if (flag === "--skip") args.skip.push(value());
    else if (flag === "--max-request-bytes") {
      const raw = value();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--max-request-bytes must be a positive integer; got ${raw}`);
      args.maxRequestBytes = n;
    } else throw new UsageError(`unknown argument: ${flag}`);
  }
  const names = CHECKS.map((c) => c.name);
  const unknown = args.skip.find((s) => !names.includes(s));
  if (unknown !== undefined) throw new UsageError(`--skip ${JSON.stringify(unknown)} names no check; checks: ${names.join("; ")}`);
  return args;
}

/** `argv` is what follows `doctor`; returns the exit code. */
export async function main(argv: readonly string[], env: Record<string, string | undefined>, io: Io = consoleIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`cronsumer doctor: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const url = args.url ?? env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) {
    io.err(`cronsumer doctor: ${!url ? "--url or UPSTASH_REDIS_REST_URL" : "UPSTASH_REDIS_REST_TOKEN"} is required\n\n${USAGE}`);
    return 2;
  }
  // As the Worker builds it (src/functions/redis.ts): one attempt per request, replies left as strings.
  const redis = new Redis({ url, token, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false });
  io.out(`cronsumer doctor: checking ${url}`);
  try {
    const report = await runDoctor({ transport: upstashTransport(redis), skip: args.skip, maxRequestBytes: args.maxRequestBytes });
    io.out(formatReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    io.err(`cronsumer doctor: ${error instanceof Error ? error.message : String(error)}`.replaceAll(token, "***"));
    return 1;
  }
}
