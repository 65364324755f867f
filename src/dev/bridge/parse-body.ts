/**
 * Reads a request body within a byte limit and checks it is what the route
 * takes: one command (`["CMD", "arg", …]`) for `/`, a non-empty array of
 * commands for `/pipeline` and `/multi-exec`.
 *
 * The client sends arguments as JSON strings, numbers and booleans; Redis
 * takes only strings, so numbers and booleans are stringified here (`10` →
 * "10", `true` → "true"), as Upstash does. Anything else is refused with a
 * message naming the command and argument.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.js";

/** Upstash's own cap on a request: 10 MB. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Rejects with a 413 as soon as the body passes `maxBytes`. What is left of
 * the body is then read and dropped, never kept (`discardRest`), so the
 * client can finish sending and read the 413 instead of a reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData);
      chunks.length = 0;
      reject(tooLarge(maxBytes));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than the ${maxBytes}-byte limit`);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `Request body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** `/`: `["CMD", "arg", …]`. */
export function parseCommand(body: unknown): string[] {
  return toCommand(body, "The body");
}

/** `/pipeline` and `/multi-exec`: `[["CMD", …], …]`, at least one command. */
export function parseCommands(body: unknown): string[][] {
  if (!Array.isArray(body)) {
    throw new HttpError(400, `The body must be an array of commands like [["SET","k","v"]], got ${kind(body)}`);
  }
  if (body.length === 0) throw new HttpError(400, "The body must hold at least one command, got an empty array");
  return body.map((command, i) => toCommand(command, `Command ${i + 1}`));
}

function toCommand(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) {
    throw new HttpError(400, `${what} must be a command array like ["SET","k","v"], got ${kind(value)}`);
  }
  if (value.length === 0) throw new HttpError(400, `${what} is an empty array; expected ["CMD", …args]`);
  if (typeof value[0] !== "string" || value[0] === "") {
    throw new HttpError(400, `${what} must start with the command name as a string, got ${kind(value[0])}`);
  }
  return value.map((arg, j) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new HttpError(400, `${what}, argument ${j}: expected a string, number or boolean, got ${kind(arg)}`);
  });
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
