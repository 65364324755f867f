/**
 * `Upstash-Encoding: base64`: every string in a result becomes the base64 of
 * its UTF-8 bytes, at every depth of nested arrays (XRANGE, XREADGROUP,
 * XAUTOCLAIM replies nest three deep). Numbers and null pass unchanged.
 *
 * Upstash's docs say a top-level "OK" is left as is; @upstash/redis decodes a
 * bare "OK" either way and base64("OK") decodes to "OK", so we encode it too
 * and keep one rule.
 */
import type { Reply } from "./backend.js";

export function encodeBase64(reply: Reply): Reply {
  if (typeof reply === "string") return Buffer.from(reply, "utf8").toString("base64");
  if (Array.isArray(reply)) return reply.map(encodeBase64);
  return reply;
}
