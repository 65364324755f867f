/**
 * Reads a JSON request body before the route's validator sees it, so each
 * failure has its own status: a non-JSON content type 415, a body over
 * `MAX_REQUEST_BYTES` 413 (checked as it streams in, not after), bytes that
 * are not UTF-8 JSON 400 `invalid_json`. The parsed text is left in Hono's
 * body cache, where the validator reads it.
 */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./context.js";
import { ApiError } from "./errors.js";
import { limitsFromEnv } from "./limits.js";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export const jsonBody = (): MiddlewareHandler<ApiEnv> =>
  async function jsonBody(c, next) {
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError(415, "unsupported_media_type", `send the body as JSON with \`Content-Type: application/json\`; got ${JSON.stringify(mediaType || "no content type")}`);
    }
    const max = limitsFromEnv(c.env).maxRequestBytes;
    const declared = Number(c.req.header("Content-Length") ?? NaN);
    if (declared > max) throw tooLarge(max);
    const bytes = await readAtMost(c.req.raw.body, max);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Where Hono's validator (`c.req.json()`) looks first; its type says string, but it holds promises.
    (c.req.bodyCache as { text?: unknown }).text = Promise.resolve(text);
    await next();
  };

const tooLarge = (max: number) => new ApiError(413, "request_too_large", `the body is larger than MAX_REQUEST_BYTES (${max} bytes)`);

async function readAtMost(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
