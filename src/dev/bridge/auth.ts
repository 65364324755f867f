/**
 * Bearer-token check, as Upstash does it: `Authorization: Bearer <token>`.
 *
 * Both sides are hashed first so `timingSafeEqual` always compares equal
 * lengths: the time taken reveals neither the token nor its length.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./http-error.js";

const BEARER = /^Bearer ([^\s]+)$/;

export function authorize(header: string | undefined, token: string): void {
  if (header === undefined || header === "") {
    throw new HttpError(401, "Unauthorized: missing Authorization header (expected `Bearer <token>`)");
  }
  const presented = BEARER.exec(header)?.[1];
  if (presented === undefined) {
    throw new HttpError(401, "Unauthorized: malformed Authorization header (expected `Bearer <token>`)");
  }
  if (!timingSafeEqual(digest(presented), digest(token))) {
    throw new HttpError(401, "Unauthorized: invalid token");
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
